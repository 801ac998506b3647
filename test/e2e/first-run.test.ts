/**
 * Issue 13 item 5: a first run as a new user meets it, through the real bin. A wrong token and an
 * unreachable Discord stop `start` with one line and the fix; no token prints the set-up help;
 * doctor reports Claude Code's login and, opt-in, a real prompt (to the local Anthropic stub);
 * `login` runs the claude the bot would run, with the terminal and the arguments given.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeDiscord } from '../fakes/discord/server.js';
import { startAnthropicStub, type AnthropicStub } from '../fakes/anthropic-stub.js';
import { makeClaudeTestEnv } from '../helpers/claude-env.js';

const ENTRY = path.resolve(import.meta.dirname, '../../bin/claude-bridge.js');
const TOKEN = 'MTA5ODc2NTQzMjEwOTg3NjU0.GabcDE.abcdefghijklmnopqrstuvwxyz0123456789AB';
let discord: FakeDiscord;
let stub: AnthropicStub;
let root: string;
let base: Record<string, string>;

async function cli(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const r = await promisify(execFile)(process.execPath, [ENTRY, ...args], { env, cwd: root, encoding: 'utf8', timeout: 60_000 }).catch((e) => e);
  return { code: typeof r.code === 'number' ? r.code : 0, stdout: r.stdout, stderr: r.stderr };
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

beforeAll(async () => {
  discord = await FakeDiscord.start({ token: 'the-real-bot-token' });
  stub = await startAnthropicStub();
  const cenv = makeClaudeTestEnv(stub.url);
  root = path.dirname(cenv.workDir);
  base = {
    ...cenv.env, DISCORD_TOKEN: TOKEN, DISCORD_API_URL: discord.apiUrl, CLAUDE_WORKDIR: cenv.workDir,
    DATABASE_PATH: path.join(root, 'data', 'sessions.db'), RUN_DIR: path.join(root, 'run'),
    TMUX_SOCKET: `cdb-first-run-${process.pid}`, LOG_LEVEL: 'silent', ALLOWED_USER_IDS: '100000000000000001',
  };
});
afterAll(async () => {
  try { execFileSync('tmux', ['-L', base.TMUX_SOCKET!, 'kill-server'], { stdio: 'ignore' }); } catch { /* none started */ }
  await discord?.close();
  await stub?.close();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

/** Exactly one line on stderr, and no stack frame. */
const oneLine = (stderr: string) => {
  expect(stderr.trim().split('\n')).toHaveLength(1);
  expect(stderr).not.toMatch(/^\s+at /m);
  return stderr.trim();
};

describe('first run', () => {
  it('a wrong token stops start with one line and the fix', async () => {
    const r = await cli(base, 'start');
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toBe('claude-bridge could not start: Discord rejected DISCORD_TOKEN (401 Unauthorized). Copy a fresh one '
      + '(https://discord.com/developers/applications → your app → Bot → Reset Token) into .env as DISCORD_TOKEN=…');
  });

  it('an unreachable Discord stops start with one line naming the URL and the cause', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/api`;
    const r = await cli({ ...base, DISCORD_API_URL: url }, 'start');
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toBe(`claude-bridge could not start: Discord could not be reached at ${url} (ECONNREFUSED). `
      + 'Check the network connection, a proxy (HTTPS_PROXY), or DISCORD_API_URL.');
  });

  it('no token prints the set-up help with the permissions, the intent and the invite link', async () => {
    const { DISCORD_TOKEN: _t, ...env } = base;
    const r = await cli({ ...env, DISCORD_TOKEN: '' }, 'start');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('DISCORD_TOKEN is not set');
    expect(r.stderr).toContain('"Send Messages in Threads", "Create Public Threads"');
    expect(r.stderr).toContain('"Message Content Intent"');
    expect(r.stderr).toContain('&permissions=311385230336');
  });

  it('with everything in place it starts (the lazily loaded start path) and stops on SIGTERM', async () => {
    const proc = spawn(process.execPath, [ENTRY, 'start'], { env: { ...base, DISCORD_TOKEN: discord.token, LOG_LEVEL: 'info' }, cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    await new Promise<void>((resolve, reject) => {
      proc.stdout.on('data', (d: Buffer) => { out += d.toString(); if (out.includes('/claude registered')) resolve(); });
      proc.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
    });
    const exited = new Promise<number | null>((resolve) => proc.once('exit', resolve));
    proc.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('doctor checks Claude Code\'s login and the directories it needs, and --try-claude sends a prompt', async () => {
    const env: Record<string, string> = { ...base, DISCORD_TOKEN: discord.token, DATABASE_PATH: path.join(root, 'fresh', 'sessions.db') };
    const r = await cli({ ...env, TRIGGER_PORT: '8787', TRIGGER_HOST: '0.0.0.0' }, 'doctor', '--try-claude');
    expect(r.stdout).toMatch(/✅ Claude Code login\s+logged in \(api_key, ANTHROPIC_API_KEY\)/);
    expect(r.stdout).toMatch(/✅ git\s+git version \S+ \(sessions in worktrees\)/);
    expect(r.stdout).toMatch(/⚠️\s+trigger listener\s+bound to 0\.0\.0\.0:8787: other machines reach it over plain HTTP/);
    expect(r.stdout).toMatch(/✅ Claude Code answers\s+a trial prompt was answered/);
    expect(r.stdout).toMatch(/✅ data directory\s+.*did not exist, created it; a file was created and removed/);
    expect(r.stdout).toMatch(/✅ invite link\s+https:\/\/discord\.com\/oauth2\/authorize\?client_id=\d+&.*permissions=311385230336/);
    const { ANTHROPIC_API_KEY: _k, ...noKey } = env;
    const out = await cli({ ...noKey, CLAUDE_CONFIG_DIR: path.join(root, 'empty-config') }, 'doctor');
    expect(out.code).toBe(1);
    expect(out.stdout).toMatch(/❌ Claude Code login\s+not logged in/);
    expect(out.stdout).toContain('Claude Code login: Run `npm run login`');
  });

  it('login runs the claude the bot would run: `auth login` plus the arguments, on this terminal', async () => {
    const fake = path.join(root, 'fake-claude');
    fs.writeFileSync(fake, '#!/bin/sh\necho "argv: $*"\ntest -z "$DISCORD_TOKEN" || echo leaked\nexit 3\n', { mode: 0o755 });
    const r = await cli({ ...base, CLAUDE_BIN: fake }, 'login', '--console');
    expect(r.stdout).toBe('argv: auth login --console\n');
    expect(r.stderr).toContain(`Logging in Claude Code with ${fake} (CLAUDE_BIN)`);
    expect(r.code).toBe(3);
    const missing = await cli({ ...base, CLAUDE_BIN: path.join(root, 'nope') }, 'login');
    expect(missing.code).toBe(1);
    expect(oneLine(missing.stderr)).toContain('is not an executable file');
  });
});
