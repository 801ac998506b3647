/**
 * No Docker engine runs here, so what can be checked is checked: the compose file parses, runs the
 * bot with tmux, keeps data/ and Claude Code's config home in volumes, health-checks with doctor, and
 * names every variable the config schema knows (so none is silently unavailable in a container).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { loadConfig } from '../../src/config/load.js';

const root = path.resolve(import.meta.dirname, '../..');
const compose = parse(fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'));
const bot = compose.services.bot;

describe('docker-compose.yml and Dockerfile', () => {
  it('names every configuration variable, and what it sets fixed is valid config', () => {
    const names = Object.keys(bot.environment);
    for (const key of Object.keys(configSchema.shape)) expect(names, key).toContain(key);
    const fixed = Object.fromEntries(Object.entries(bot.environment as Record<string, string>).filter(([, v]) => !String(v).startsWith('${')));
    const blank = Object.fromEntries(names.filter((n) => !(n in fixed)).map((n) => [n, ''])); // ${VAR:-} unset
    expect(() => loadConfig({ env: { ...blank, ...fixed }, envFile: path.join(root, 'no-such.env') })).not.toThrow();
  });

  it('keeps the store and Claude Code config in volumes, reads .env, and health-checks with doctor', () => {
    expect(bot.volumes.some((v: string) => v.endsWith(':/app/data'))).toBe(true);
    expect(bot.volumes.some((v: string) => v.endsWith(':/home/node/.claude'))).toBe(true);
    expect(bot.env_file).toEqual([{ path: '.env', required: false }]);
    expect(bot.healthcheck.test).toEqual(['CMD', 'node', 'bin/claude-bridge.js', 'doctor']);
    const dockerfile = fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^FROM node:20/m);
    expect(dockerfile).toMatch(/apt-get install[^\n]*\btmux\b/);
    expect(dockerfile).toMatch(/^CMD \["node", "bin\/claude-bridge.js", "start"\]/m);
    expect(dockerfile).toContain('bin/claude-bridge.js", "doctor"');
  });
});
