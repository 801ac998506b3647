/**
 * Idle benchmark: what live-but-idle sessions cost the bridge. The bridge here is this process
 * (the tmux backend, as the bot uses it) plus its tmux server and the backend's one control-mode
 * client. CPU = utime+stime from /proc/<pid>/stat of those processes, over a quiet window with 1, 20
 * and 100 live sessions (and 0, the baseline) (the child is `/bin/cat` on the session FIFO, waiting for input), reported
 * in ms of CPU per second per idle session (goal < 1). Then the time from `tmux kill-session` run
 * from outside to `handle.exited` resolving (goal: reported within 2 s), median of 7.
 *
 *   npx tsx scripts/bench/idle.ts [windowSeconds=10]   (0 and 1 session: 3 × the window)
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';
import { TmuxBackend } from '../../src/backends/tmux.js';
import type { ProcessHandle } from '../../src/backends/types.js';

const windowS = Number(process.argv[2] ?? 10);
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cdb-bench-idle-'));
const socket = `cdb-bench-idle-${process.pid}`;
const backend = new TmuxBackend({ socket, runDir: path.join(root, 'run') });
const tick = 1000 / Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()); // ms per clock tick
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
v8.setFlagsFromString('--expose-gc');
/** A full GC before each window, so start-up garbage is not collected (and counted) inside it. */
const gc = vm.runInNewContext('gc') as () => void;

/** utime+stime of `pid` in ms (0 when it is gone). */
function cpuMs(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from #3 (state) on
    return (Number(fields[11]) + Number(fields[12])) * tick; // #14 utime, #15 stime
  } catch {
    return 0;
  }
}

/** [this process, its tmux server, its tmux control-mode client(s), its other children (tsx's esbuild service)]. */
function bridgePids(): number[][] {
  const server = Number(tmux('display-message', '-p', '#{pid}').trim());
  const control: number[] = [];
  const other: number[] = [];
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)).map(Number)) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== process.pid) continue;
      const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      (argv.includes('-C') && argv.includes(socket) ? control : other).push(pid);
    } catch {
      // gone
    }
  }
  return [[process.pid], [server], control, other];
}

async function startCat(name: string): Promise<ProcessHandle> {
  const h = await backend.start({ name, command: '/bin/cat', args: [], cwd: root, env: { PATH: process.env.PATH ?? '' } });
  await h.write('ready');
  const it = h.lines()[Symbol.asyncIterator]();
  await it.next(); // the echo came back: the session is live
  return h;
}

const rows: string[] = [];
try {
  // Warm-up: JIT, the tmux server, the control client; start-up garbage is collected before measuring.
  const warm: ProcessHandle[] = [];
  for (let i = 0; i < 5; i++) warm.push(await startCat(`warm${i}`));
  await Promise.all(warm.map((h) => h.kill()));
  let baseline = 0; // ms CPU per s with no session: the runtime's own idle cost (e.g. tsx's esbuild keep-alive)
  for (const n of [0, 1, 20, 100]) {
    // utime/stime count whole clock ticks (10 ms): over 10 s one tick is 1 ms/s, so the rows where a
    // tick matters most (0 and 1 session) are measured three times as long.
    const windowMs = (n <= 1 ? 3 : 1) * windowS * 1000;
    const handles: ProcessHandle[] = [];
    for (let i = 0; i < n; i++) handles.push(await startCat(`idle${n}-${i}`));
    await sleep(3000); // let start-up work settle
    gc();
    await sleep(500);
    const groups = bridgePids();
    const sum = () => groups.map((pids) => pids.reduce((a, pid) => a + cpuMs(pid), 0));
    const before = sum();
    const t0 = performance.now();
    await sleep(windowMs);
    const seconds = (performance.now() - t0) / 1000;
    const used = sum().map((v, i) => v - before[i]!);
    const total = used.reduce((a, b) => a + b, 0);
    const rate = total / seconds;
    if (n === 0) baseline = rate;
    const perSession = n === 0 ? '— (baseline)' : `${(rate / n).toFixed(3)} (net of baseline ${(Math.max(0, rate - baseline) / n).toFixed(3)})`;
    const ms = (x: number) => `${x.toFixed(0)} ms`;
    rows.push(`| ${n} | ${seconds.toFixed(1)} s | ${ms(used[0]!)} | ${ms(used[1]!)} | ${ms(used[2]!)} | ${ms(used[3]!)} | ${rate.toFixed(2)} | ${perSession} |`);
    console.error(rows.at(-1));
    await Promise.all(handles.map((h) => h.kill()));
  }

  const delays: number[] = [];
  for (let i = 0; i < 7; i++) {
    const h = await startCat(`ks${i}`);
    const t0 = performance.now();
    tmux('kill-session', `-t=cdb-ks${i}`);
    const exit = await h.exited;
    delays.push(performance.now() - t0);
    if (!('signal' in exit)) throw new Error(`unexpected exit ${JSON.stringify(exit)}`);
  }
  console.error(`kill-session delays: ${delays.map((d) => d.toFixed(0)).join(" ")} ms`);
  delays.sort((a, b) => a - b);

  console.log(`idle benchmark (${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores, ${os.cpus()[0]?.model}, node ${process.version}, ${execFileSync('tmux', ['-V'], { encoding: 'utf8' }).trim()})`);
  console.log(`CPU = utime+stime (clock tick ${tick} ms); "other children" = tsx's esbuild service (the bot runs under tsx too)`);
  console.log('| idle live sessions | window | this process | tmux server | control client | other children | ms CPU / s, all | ms CPU / s / session |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const row of rows) console.log(row);
  console.log(`tmux kill-session (outside) → exit reported: median ${delays[3]!.toFixed(0)} ms, max ${delays.at(-1)!.toFixed(0)} ms (7 runs)`);
} finally {
  try { tmux('kill-server'); } catch { /* gone */ }
  fs.rmSync(path.join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${process.getuid!()}`, socket), { force: true }); // tmux 3.3 leaves it
  fs.rmSync(root, { recursive: true, force: true });
}
