import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { BridgeError } from '../../src/core/errors.js';

const noFile = path.join(os.tmpdir(), 'cdb-no-such.env');

describe('config', () => {
  it('applies the documented defaults', () => {
    const c = loadConfig({ env: {}, envFile: noFile });
    expect(c).toMatchObject({
      DISCORD_TOKEN: undefined, DISCORD_API_URL: 'https://discord.com/api', DATABASE_PATH: 'data/sessions.db',
      ENABLE_PERSISTENCE: true, MAX_SESSIONS: 10, DEFAULT_TIMEOUT: 300, SESSION_BACKEND: 'auto',
      ALLOWED_USER_IDS: [], ALLOWED_ROLE_IDS: [], LOG_LEVEL: 'info', CLAUDE_WORKDIR: process.cwd(),
    });
  });

  it('parses lists, numbers and booleans; the environment wins over .env', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cdb-env-')), '.env');
    fs.writeFileSync(file, 'MAX_SESSIONS=4\nDISCORD_TOKEN=from-file\nENABLE_PERSISTENCE=false\n');
    const c = loadConfig({ env: { MAX_SESSIONS: '7', ALLOWED_USER_IDS: ' 123456789012345678, 223456789012345678 ' }, envFile: file });
    expect(c.MAX_SESSIONS).toBe(7);
    expect(c.DISCORD_TOKEN).toBe('from-file');
    expect(c.ENABLE_PERSISTENCE).toBe(false);
    expect(c.ALLOWED_USER_IDS).toEqual(['123456789012345678', '223456789012345678']);
  });

  it('treats an empty variable as unset (docker-compose passes ${VAR:-})', () => {
    const c = loadConfig({ env: { ENABLE_PERSISTENCE: '', MAX_SESSIONS: '', DISCORD_API_URL: '', ALLOWED_USER_IDS: '' }, envFile: noFile });
    expect(c).toMatchObject({ ENABLE_PERSISTENCE: true, MAX_SESSIONS: 10, DISCORD_API_URL: 'https://discord.com/api', ALLOWED_USER_IDS: [] });
  });

  it('loads .env.example as shipped, with the documented defaults', () => {
    const c = loadConfig({ env: {}, envFile: path.resolve(import.meta.dirname, '../../.env.example') });
    expect(c).toMatchObject({ DISCORD_TOKEN: undefined, MAX_SESSIONS: 10, ALLOWED_USER_IDS: [], CLAUDE_WORKDIR: process.cwd(), SESSION_BACKEND: 'auto' });
  });

  it.each([
    ['MAX_SESSIONS', '0', /MAX_SESSIONS: expected a whole number of at least 1 \(got "0"\)/],
    ['DEFAULT_TIMEOUT', '1.5', /DEFAULT_TIMEOUT: expected a whole number/],
    ['SESSION_BACKEND', 'docker', /SESSION_BACKEND: expected auto, tmux or pty/],
    ['ENABLE_PERSISTENCE', 'maybe', /ENABLE_PERSISTENCE: expected true or false/],
    ['ALLOWED_ROLE_IDS', '12,abc', /ALLOWED_ROLE_IDS: expected comma-separated Discord ids/],
    ['DISCORD_API_URL', 'not a url', /DISCORD_API_URL: expected a URL/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL: expected one of/],
    ['SPARE_PROCESSES', '-1', /SPARE_PROCESSES: expected a whole number of at least 0/],
    ['NATS_URL', 'nats://runner:hunter2@127.0.0.1:4222', /NATS_URL: put the user and password in NATS_USER and NATS_PASSWORD/],
  ])('refuses %s=%s naming the variable and the expected form', (name, value, message) => {
    let error: unknown;
    try { loadConfig({ env: { [name]: value }, envFile: noFile }); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(BridgeError);
    expect((error as BridgeError).message).toMatch(message);
  });
});
