/**
 * One contract, every backend (DESIGN.md §3, §6.9): real tmux on a private socket, real node-pty.
 * The children are a small shell echo loop and `node -e` printing its environment, so the suite
 * tests the runtime, not Claude Code. No assertion on timing: waits are generous and only bound a
 * hang (a loaded 2-core machine is fine).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PtyBackend } from '../../src/backends/pty.js';
import { TmuxBackend } from '../../src/backends/tmux.js';
import { SHELL_ADDED_ENV, type OutputLine, type ProcessBackend, type ProcessHandle, type ProcessSpec } from '../../src/backends/types.js';

// The bot's own secrets: set before any backend (and so any tmux server) exists. None may reach a child.
process.env.DISCORD_TOKEN = `discord-${randomBytes(8).toString('hex')}`;
const SECRET = `sk-ant-${randomBytes(12).toString('hex')}`;

const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdb-contract-'));
const socket = `cdb-test-${process.pid}`;
const T = 60_000; // per-test bound for a hang, not a timing assertion
const ECHO = 'echo "pid:$$"; while IFS= read -r l; do printf "out:%s:%s\\n" "$l" "$FOO"; [ "$l" = quit ] && exit 3; done';
const PRINT_ENV = 'process.stdout.write(JSON.stringify(process.env) + "\\n")';

function spec(name: string, env: Record<string, string> = {}): ProcessSpec {
  return { name, command: '/bin/sh', args: ['-c', ECHO], cwd: runDir, env: { PATH: process.env.PATH ?? '', FOO: 'b a r', ...env } };
}

const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });

async function nextLines(handle: ProcessHandle, n: number): Promise<OutputLine[]> {
  const got: OutputLine[] = [];
  const it = handle.lines()[Symbol.asyncIterator]();
  while (got.length < n) {
    const r = await it.next();
    if (r.done) break;
    got.push(r.value);
  }
  return got;
}

/** Starts the echo loop and waits until it runs; returns the handle and the child's pid. */
async function startEcho(backend: ProcessBackend, name: string, env?: Record<string, string>) {
  const h = await backend.start(spec(name, env));
  const [first] = await nextLines(h, 1);
  const pid = Number(/^pid:(\d+)$/.exec(first!.text)![1]);
  return { h, pid, offset: first!.offset };
}

async function until(what: string, ok: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !ok(); i++) await new Promise((r) => setTimeout(r, 50));
  if (!ok()) throw new Error(`gave up waiting: ${what}`);
}

function processesWithInArgv(value: string): string[] {
  const found: string[] = [];
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (argv.includes(value)) found.push(`${pid}: ${argv.replace(/\0/g, ' ')}`);
    } catch { /* gone, or not ours to read */ }
  }
  return found;
}

const backends: Array<[string, () => ProcessBackend]> = [
  ['tmux', () => new TmuxBackend({ socket, runDir })],
  ['pty', () => new PtyBackend({ runDir })],
];

afterAll(() => {
  try { tmux('kill-server'); } catch { /* already gone */ }
  // tmux 3.3 leaves the socket file behind
  fs.rmSync(path.join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${process.getuid!()}`, socket), { force: true });
  fs.rmSync(runDir, { recursive: true, force: true });
});

describe.each(backends)('ProcessBackend contract: %s', (kind, make) => {
  it('probes as usable here', async () => {
    expect(await make().probe()).toBeNull();
  }, T);

  it('gives the child exactly spec.env: nothing of the bot (DISCORD_TOKEN), the tmux server or node-pty', async () => {
    if (kind === 'tmux') try { tmux('kill-server'); } catch { /* none yet: start() starts it */ }
    const env = { PATH: process.env.PATH ?? '', ANTHROPIC_API_KEY: SECRET, QUOTED: `it's "q" $x \`y\` \\ end`, MULTI: 'a\nb' };
    const h = await make().start({
      name: `${kind}env`, command: process.execPath, args: ['-e', PRINT_ENV], cwd: runDir, env: { ...env, 'NOT-AN-ID': 'x' },
    });
    const [line] = await nextLines(h, 1);
    const got = JSON.parse(line!.text) as Record<string, string>;
    expect(got.DISCORD_TOKEN).toBeUndefined();
    expect(Object.keys(got).filter((k) => !(k in env) && !SHELL_ADDED_ENV.includes(k))).toEqual([]); // NOT-AN-ID: left out
    for (const [k, v] of Object.entries(env)) expect(got[k]).toBe(v);
    expect(await h.exited).toMatchObject({ code: 0 });
  }, T);

  it('puts no env value in any process\'s argv, and leaves no env file behind', async () => {
    if (kind === 'tmux') try { tmux('kill-server'); } catch { /* this start() starts the server */ }
    const { h } = await startEcho(make(), `${kind}argv`, { ANTHROPIC_API_KEY: SECRET });
    expect(processesWithInArgv(SECRET)).toEqual([]);
    expect(processesWithInArgv(process.env.DISCORD_TOKEN!)).toEqual([]);
    expect(fs.existsSync(path.join(runDir, `${kind}argv`, 'env'))).toBe(false);
    await h.kill();
  }, T);

  it('round-trips lines verbatim: env, unicode, tmux key names, a 10 kB line', async () => {
    const { h } = await startEcho(make(), `${kind}rt`);
    const long = 'x'.repeat(10_000);
    await h.write('héllo ✓ C-c Enter $(whoami) `id`');
    await h.write(long);
    const lines = await nextLines(h, 2);
    expect(lines[0]!.text).toBe('out:héllo ✓ C-c Enter $(whoami) `id`:b a r');
    expect(lines[1]!.text).toBe(`out:${long}:b a r`);
    expect(lines[1]!.offset).toBeGreaterThan(lines[0]!.offset);
    await h.kill();
    expect('signal' in (await h.exited)).toBe(true);
  }, T);

  it('reports the exit status after delivering every line', async () => {
    const { h } = await startEcho(make(), `${kind}exit`);
    await h.write('a');
    await h.write('quit');
    const lines = await nextLines(h, 5);
    expect(lines.map((l) => l.text)).toEqual(['out:a:b a r', 'out:quit:b a r']);
    expect(await h.exited).toMatchObject({ code: 3 });
  }, T);

  it('gives what the child wrote to stderr as stderrTail', async () => {
    const h = await make().start({ ...spec(`${kind}err`), args: ['-c', 'echo "oops: no luck" >&2; exit 1'] });
    const exit = await h.exited;
    expect(exit).toMatchObject({ code: 1 });
    expect(exit.stderrTail).toContain('oops: no luck');
  }, T);

  it('signal SIGTERM ends the process itself: { signal: "SIGTERM" }', async () => {
    const { h } = await startEcho(make(), `${kind}sig`);
    await h.signal('SIGTERM');
    expect(await h.exited).toMatchObject({ signal: 'SIGTERM' });
  }, T);

  it('a SIGKILL from outside (the OOM killer) is reported as { signal: "SIGKILL" }', async () => {
    const { h, pid } = await startEcho(make(), `${kind}oom`);
    process.kill(pid, 'SIGKILL');
    const exit = await h.exited;
    expect(exit).toMatchObject({ signal: 'SIGKILL' });
    expect('code' in exit).toBe(false);
  }, T);

  it(kind === 'tmux' ? 'survives detach and reattaches from the stored offset, exit included' : 'does not outlive the bot', async () => {
    const backend = make();
    const { h, offset } = await startEcho(backend, `${kind}att`);
    await h.write('one');
    const [one] = await nextLines(h, 1);
    await h.detach();
    const again = await backend.attach(`${kind}att`, kind === 'tmux' ? one!.offset : offset);
    if (kind === 'pty') return void expect(again).toBeNull();
    expect(again).not.toBeNull();
    expect(await backend.list()).toContain(`${kind}att`);
    await again!.write('two');
    await again!.write('quit');
    const lines = await nextLines(again!, 5);
    expect(lines.map((l) => l.text)).toEqual(['out:two:b a r', 'out:quit:b a r']); // 'one' is not delivered twice
    expect(await again!.exited).toMatchObject({ code: 3 });
    expect(await backend.list()).not.toContain(`${kind}att`);
  }, T);

  it.runIf(kind === 'tmux')('a process that ended while the bot was away: reattach delivers the rest, then its exit', async () => {
    const backend = make();
    const { h, offset } = await startEcho(backend, `${kind}away`);
    await h.detach();
    fs.appendFileSync(path.join(runDir, `${kind}away`, 'in.fifo'), 'bye\nquit\n'); // as if written before the crash
    await until('the exit file', () => fs.existsSync(path.join(runDir, `${kind}away`, 'exit')));
    const again = await backend.attach(`${kind}away`, offset);
    expect(again).not.toBeNull();
    expect((await nextLines(again!, 5)).map((l) => l.text)).toEqual(['out:bye:b a r', 'out:quit:b a r']);
    expect(await again!.exited).toMatchObject({ code: 3 });
  }, T);

  it.runIf(kind === 'tmux')('tmux kill-session from outside is reported as { signal: "SIGHUP" }', async () => {
    const { h } = await startEcho(make(), `${kind}ks`);
    tmux('kill-session', `-t=cdb-${kind}ks`);
    expect(await h.exited).toMatchObject({ signal: 'SIGHUP' });
  }, T);

  it.runIf(kind === 'tmux')('the tmux server dying ends every process, each reported', async () => {
    const backend = make();
    const a = await startEcho(backend, `${kind}ksa`);
    const b = await startEcho(backend, `${kind}ksb`);
    tmux('kill-server');
    expect(await a.h.exited).toMatchObject({ signal: 'SIGHUP' });
    expect(await b.h.exited).toMatchObject({ signal: 'SIGHUP' });
    const c = await startEcho(backend, `${kind}ksc`); // and the next start brings a server up again
    await c.h.kill();
  }, T);
});
