/**
 * Issue 13 item 5: the doctor checks of this host, tried for real in temp dirs: writability by a
 * probe file, Claude Code's login through the bundled CLI's offline `auth status`, native modules,
 * and what a native module that does not load becomes at start-up.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveClaudeBinary } from '../../src/claude/binary.js';
import {
  BUILD_TOOLS_APT, checkClaudeLogin, checkNativeModules, checkWritableDir, credentialsPresent, LOGIN_FIX, nativeLoadFailure,
  checkNode, claudeEnv,
} from '../../src/cli/doctor-checks.js';

const tmp: string[] = [];
const tempDir = () => { const d = fs.mkdtempSync(path.join(os.tmpdir(), 'cdb-doctor-')); tmp.push(d); return d; };
afterEach(() => { for (const d of tmp.splice(0)) fs.rmSync(d, { recursive: true, force: true }); });

/** The install's own claude, whatever is on PATH. */
const bundled = resolveClaudeBinary(undefined, { PATH: '' }).path;
/** An environment with no credentials of the host leaking in. */
const bare = (configDir: string, extra: Record<string, string> = {}) => ({ PATH: process.env.PATH, HOME: configDir, CLAUDE_CONFIG_DIR: configDir, ...extra });
const OAUTH = JSON.stringify({ claudeAiOauth: { accessToken: 'sk-ant-oat01-x', refreshToken: 'sk-ant-ort01-y', expiresAt: 4102444800000, scopes: ['user:inference'], subscriptionType: 'pro' } });

describe('checkWritableDir', () => {
  it('passes an existing directory by creating and removing a file, leaving nothing behind', () => {
    const dir = tempDir();
    const c = checkWritableDir('data directory', dir, 'fix it');
    expect(c).toMatchObject({ status: 'ok', detail: `${dir}: a file was created and removed` });
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('creates a directory that does not exist yet, and says so', () => {
    const dir = path.join(tempDir(), 'a', 'b');
    const c = checkWritableDir('run directory', dir, 'fix it');
    expect(c.status).toBe('ok');
    expect(c.detail).toContain('did not exist, created it');
    expect(fs.statSync(dir).isDirectory()).toBe(true);
  });

  it('fails with the fix when the directory cannot be created', () => {
    const file = path.join(tempDir(), 'file');
    fs.writeFileSync(file, '');
    const c = checkWritableDir('data directory', path.join(file, 'sub'), 'Set DATABASE_PATH …');
    expect(c).toMatchObject({ status: 'fail', fix: 'Set DATABASE_PATH …' });
    expect(c.detail).toMatch(/it cannot be created \(ENOTDIR\)/);
  });

  it('fails when a file cannot be created in an existing directory', () => {
    // Root writes through mode bits, so the unwritable directory is one no one can add files to.
    const dir = process.getuid?.() === 0 ? '/proc' : tempDir();
    if (dir !== '/proc') fs.chmodSync(dir, 0o500);
    const c = checkWritableDir('working directory', dir, 'fix');
    expect(c.status).toBe('fail');
    expect(c.detail).toContain('a file cannot be created in it');
    if (dir !== '/proc') fs.chmodSync(dir, 0o700);
  });
});

describe('Claude Code login', () => {
  it('fails with how to log in when there are no credentials (claude auth status)', async () => {
    const dir = tempDir();
    const c = await checkClaudeLogin(bundled, dir, bare(dir));
    expect(c).toMatchObject({ name: 'Claude Code login', status: 'fail', fix: LOGIN_FIX });
    expect(c.detail).toContain('not logged in');
    expect(LOGIN_FIX).toContain('npm run login');
  });

  it('passes with ANTHROPIC_API_KEY, or with a login in <config dir>/.credentials.json', async () => {
    const dir = tempDir();
    expect(await checkClaudeLogin(bundled, dir, bare(dir, { ANTHROPIC_API_KEY: 'sk-test' })))
      .toMatchObject({ status: 'ok', detail: 'logged in (api_key, ANTHROPIC_API_KEY)' });
    fs.writeFileSync(path.join(dir, '.credentials.json'), OAUTH);
    expect(await checkClaudeLogin(bundled, dir, bare(dir))).toMatchObject({ status: 'ok', detail: 'logged in (claude.ai)' });
  });

  it('without a working binary, looks for the credentials file and the variables', async () => {
    const dir = tempDir();
    expect(credentialsPresent(dir, {})).toBeNull();
    expect(credentialsPresent(dir, { ANTHROPIC_AUTH_TOKEN: 'x' })).toBe('ANTHROPIC_AUTH_TOKEN is set');
    expect(await checkClaudeLogin(null, dir, {})).toMatchObject({ status: 'fail', fix: LOGIN_FIX });
    fs.writeFileSync(path.join(dir, '.credentials.json'), OAUTH);
    expect(await checkClaudeLogin(null, dir, {})).toMatchObject({ status: 'ok', detail: `${path.join(dir, '.credentials.json')} holds a login` });
    // A binary that does not answer `auth status` falls back the same way.
    const run = async () => ({ code: 1, stdout: 'error: unknown command auth', stderr: '' });
    expect(await checkClaudeLogin('/bin/false', dir, {}, run)).toMatchObject({ status: 'ok' });
  });
});

describe('native modules', () => {
  it('better-sqlite3 and node-pty load here', async () => {
    const checks = await checkNativeModules(tempDir());
    expect(checks.map((c) => [c.name, c.status])).toEqual([['better-sqlite3', 'ok'], ['node-pty', 'ok']]);
  });

  it('a module that was never built, or built for another Node, is one line with the apt line', () => {
    const never = Object.assign(new Error('Could not locate the bindings file. Tried:\n → /app/node_modules/better-sqlite3/build/better_sqlite3.node'), {});
    const e1 = nativeLoadFailure(never);
    expect(e1?.code).toBe('NATIVE_MODULE_FAILED');
    expect(e1?.message).toBe(`The native module better-sqlite3 does not load (it was never built). Build it: ${BUILD_TOOLS_APT} && npm rebuild better-sqlite3`);
    const abi = Object.assign(new Error("The module '/app/node_modules/node-pty/build/Release/pty.node'\nwas compiled against a different Node.js version using\nNODE_MODULE_VERSION 115."), { code: 'ERR_DLOPEN_FAILED' });
    expect(nativeLoadFailure(abi)?.message).toContain('node-pty does not load (built for another Node.js version)');
    expect(nativeLoadFailure(new Error('Cannot find module \'zod\''))).toBeNull();
    expect(nativeLoadFailure(new Error('something else in better-sqlite3'))).toBeNull();
  });
});

describe('Node.js', () => {
  it('is ok from Node 22 on, and a warning with how to get a current one below', () => {
    expect(checkNode('22.23.5').status).toBe('ok');
    expect(checkNode('24.22.3').status).toBe('ok');
    const old = checkNode('20.20.2');
    expect(old).toMatchObject({ status: 'warn', detail: expect.stringContaining('past end of life') });
    expect(old.fix).toContain('npm rebuild');
  });
});

describe('the environment doctor and login give claude', () => {
  it('is the bot\'s own minus its secrets: the Discord token and every NATS setting', () => {
    const env = claudeEnv({ PATH: '/bin', DISCORD_TOKEN: 't', NATS_URL: 'nats://h', NATS_USER: 'u', NATS_PASSWORD: 'p', NATS_CREDS: '/c', ANTHROPIC_API_KEY: 'k' });
    expect(env).toEqual({ PATH: '/bin', ANTHROPIC_API_KEY: 'k' });
  });
});
