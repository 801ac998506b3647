/**
 * Several processes started at once on a fresh tmux socket (a runner's or a bot's first sessions
 * side by side): they share one server start instead of racing clients to start it — the race
 * answered "server exited unexpectedly" and failed a start (seen by `npm run bench:hub-many` on a
 * fresh runner). Real tmux on a private socket; the exec is the real one, counted.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { execWithEnv, helperEnv } from '../../src/backends/exec.js';
import { TmuxBackend } from '../../src/backends/tmux.js';

const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdb-tmux-start-'));
const socket = `cdb-start-${process.pid}`;
afterAll(() => {
  try { execFileSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' }); } catch { /* none */ }
  fs.rmSync(runDir, { recursive: true, force: true });
});

it('starts six processes at once on a fresh socket, through one server start', async () => {
  const real = execWithEnv(helperEnv());
  const starts: string[][] = [];
  const backend = new TmuxBackend({
    socket, runDir,
    exec: (file, args) => {
      if (args.includes('start-server')) starts.push([...args]);
      return real(file, args);
    },
  });
  const names = ['s1', 's2', 's3', 's4', 's5', 's6'];
  const handles = await Promise.all(names.map((name) =>
    backend.start({ name, command: '/bin/sleep', args: ['60'], cwd: runDir, env: { PATH: process.env.PATH ?? '' } })));
  expect((await backend.list()).sort()).toEqual(names);
  expect(starts).toHaveLength(1);
  for (const name of names) await backend.end(name);
  expect(handles).toHaveLength(6);
});
