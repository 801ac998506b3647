/**
 * One contract, every backend (DESIGN.md §6.9): real tmux on a private socket, real node-pty.
 * The child is a small shell echo loop, so the suite tests the runtime, not Claude Code.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PtyBackend } from '../../src/backends/pty.js';
import { TmuxBackend } from '../../src/backends/tmux.js';
import type { OutputLine, ProcessBackend, ProcessHandle } from '../../src/backends/types.js';

const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdb-contract-'));
const socket = `cdb-test-${process.pid}`;
const ECHO = 'while IFS= read -r l; do printf "out:%s:%s\\n" "$l" "$FOO"; [ "$l" = quit ] && exit 3; done';

function spec(name: string) {
  return { name, command: '/bin/sh', args: ['-c', ECHO], cwd: runDir, env: { PATH: process.env.PATH ?? '', FOO: 'b a r' } };
}

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

const backends: Array<[string, () => ProcessBackend]> = [
  ['tmux', () => new TmuxBackend({ socket, runDir, pollMs: 100 })],
  ['pty', () => new PtyBackend({ runDir })],
];

afterAll(async () => {
  const { execFileSync } = await import('node:child_process');
  try { execFileSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' }); } catch { /* already gone */ }
});

describe.each(backends)('ProcessBackend contract: %s', (kind, make) => {
  it('probes as usable here', async () => {
    expect(await make().probe()).toBeNull();
  });

  it('round-trips lines verbatim: env, unicode, tmux key names, a 10 kB line', async () => {
    const backend = make();
    const h = await backend.start(spec(`${kind}rt`));
    const long = 'x'.repeat(10_000);
    await h.write('héllo ✓ C-c Enter $(whoami) `id`');
    await h.write(long);
    const lines = await nextLines(h, 2);
    expect(lines[0]!.text).toBe('out:héllo ✓ C-c Enter $(whoami) `id`:b a r');
    expect(lines[1]!.text).toBe(`out:${long}:b a r`);
    expect(lines[1]!.offset).toBeGreaterThan(lines[0]!.offset);
    await h.kill();
    const exit = await h.exited;
    expect(exit.code).not.toBe(0);
  });

  it('reports the exit status after delivering every line', async () => {
    const h = await make().start(spec(`${kind}exit`));
    await h.write('quit');
    const lines = await nextLines(h, 5);
    expect(lines.map((l) => l.text)).toEqual(['out:quit:b a r']);
    expect((await h.exited).code).toBe(3);
  });

  it('signal SIGTERM ends the process', async () => {
    const h = await make().start(spec(`${kind}sig`));
    await h.write('ping');
    await nextLines(h, 1);
    await h.signal('SIGTERM');
    const exit = await h.exited;
    expect(exit.code === null || exit.code === 143 || exit.signal !== null).toBe(true);
  });

  it(kind === 'tmux' ? 'survives detach and reattaches from the stored offset' : 'does not outlive the bot', async () => {
    const backend = make();
    const h = await backend.start(spec(`${kind}att`));
    await h.write('one');
    const [first] = await nextLines(h, 1);
    await h.detach();
    const again = await backend.attach(`${kind}att`, first!.offset);
    if (kind === 'pty') {
      expect(again).toBeNull();
      return;
    }
    expect(again).not.toBeNull();
    expect(await backend.list()).toContain(`${kind}att`);
    await again!.write('two');
    const lines = await nextLines(again!, 1);
    expect(lines[0]!.text).toBe('out:two:b a r'); // 'one' is not delivered twice
    await again!.kill();
    expect(await backend.list()).not.toContain(`${kind}att`);
  });
});
