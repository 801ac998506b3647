/**
 * Sessions started at once on one tmux socket (a runner's first sessions, spares, a restore): the
 * time until every `TmuxBackend.start` resolved, and whether every session was still there after.
 * tmux 3.3a crashes when a session is created while a control client connects, so the backend lets
 * session commands and the monitor's connection take turns; this measures what that costs. Each
 * round uses a fresh socket; the process is `/bin/sleep` (no `claude`), so only tmux is timed.
 *
 *   npm run bench:tmux-starts     (or: npx tsx scripts/bench/tmux-starts.ts [sessions=20] [rounds=10])
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TmuxBackend } from '../../src/backends/tmux.js';
import { machine, median, p95 } from './rig.js';

const [sessions, rounds] = [Number(process.argv[2] ?? 20), Number(process.argv[3] ?? 10)];
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdb-bench-tmux-'));
const times: number[] = [];
let lost = 0;
try {
  for (let round = 0; round < rounds; round++) {
    const socket = `cdb-bench-starts-${process.pid}-${round}`;
    const backend = new TmuxBackend({ socket, runDir: path.join(dir, String(round)) });
    const names = Array.from({ length: sessions }, (_, i) => `b${i}`);
    const t0 = performance.now();
    await Promise.all(names.map((name) => backend.start({ name, command: '/bin/sleep', args: ['60'], cwd: dir, env: { PATH: process.env.PATH ?? '' } })));
    times.push(performance.now() - t0);
    if ((await backend.list()).length !== sessions) lost++;
    try { execFileSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' }); } catch { /* crashed already */ }
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
console.log(`${sessions} tmux sessions started at once (${machine()}; ${execFileSync('tmux', ['-V'], { encoding: 'utf8' }).trim()}), ${rounds} rounds:`);
console.log(`  all started: median ${median(times).toFixed(0)} ms, p95 ${p95(times).toFixed(0)} ms; rounds that lost sessions: ${lost}`);
process.exit(0); // the monitors' control clients are unref'd; nothing else to wait for
