/**
 * Several processes started at once on a tmux socket — a runner's or a bot's first sessions side
 * by side, spares, a restore — while the monitor's control client connects. tmux 3.3a (Debian 12's)
 * segfaults when a session is created while a control client is still connecting, taking every
 * session on the socket with it (observed: "tmux: server[…]: segfault at 20" in the kernel log,
 * about one round in three of six starts at once, found by a review of `bench:hub-many`'s
 * "server exited unexpectedly"). The backend makes them take turns. Real tmux on a private socket.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { TmuxBackend } from '../../src/backends/tmux.js';

const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdb-tmux-start-'));
const sockets: string[] = [];
afterAll(() => {
  for (const socket of sockets) {
    try { execFileSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' }); } catch { /* none */ }
  }
  fs.rmSync(runDir, { recursive: true, force: true });
});

it('six processes started at once on a fresh socket all live, round after round', async () => {
  const names = ['s1', 's2', 's3', 's4', 's5', 's6'];
  for (let round = 1; round <= 12; round++) {
    const socket = `cdb-start-${process.pid}-${round}`;
    sockets.push(socket);
    const backend = new TmuxBackend({ socket, runDir: path.join(runDir, String(round)) });
    const handles = await Promise.all(names.map((name) =>
      backend.start({ name, command: '/bin/sleep', args: ['60'], cwd: runDir, env: { PATH: process.env.PATH ?? '' } })));
    expect({ round, sessions: (await backend.list()).sort() }).toEqual({ round, sessions: names });
    for (const name of names) await backend.end(name);
    expect(handles).toHaveLength(6);
    execFileSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' });
  }
}, 120_000);
