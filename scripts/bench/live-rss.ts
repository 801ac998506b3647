/**
 * Memory per live session: the bot (as `npm start` runs it) with N users each holding a live
 * session (a kept-alive `claude` under tmux). Reports the bot's RSS growth per live session, and the
 * RSS of each `claude` process, which is the larger cost an operator plans for.
 *
 *   npx tsx scripts/bench/live-rss.ts [sessions=10]
 */
import fs from 'node:fs';
import os from 'node:os';
import { Harness } from '../../test/helpers/harness.js';

const n = Number(process.argv[2] ?? 10);
const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
const h = await Harness.create();
try {
  const users = Array.from({ length: n }, (_, i) => h.discord.addUser(`user${i}`));
  const bot = await h.startBot(users, { MAX_SESSIONS: String(n), LOG_LEVEL: 'warn' });
  await h.final(h.ask(users[0]!, 'warm up'), 'echo: warm up'); // discord.js and the first session fully loaded
  await new Promise((r) => setTimeout(r, 1000));
  const base = rssMiB(bot.proc.pid!);
  for (const [i, u] of users.slice(1).entries()) await h.final(h.ask(u, `hello ${i}`), `echo: hello ${i}`);
  await new Promise((r) => setTimeout(r, 1000));
  const after = rssMiB(bot.proc.pid!);
  const panes = h.tmux('list-panes', '-a', '-F', '#{pane_pid}').split('\n').filter(Boolean).map(Number);
  const claude = panes.map(rssMiB);
  console.log(`live-session memory (${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores, node ${process.version})`);
  console.log(`bot RSS with 1 live session: ${base.toFixed(1)} MiB; with ${n}: ${after.toFixed(1)} MiB`);
  console.log(`bot RSS per additional live session: ${((after - base) / (n - 1)).toFixed(2)} MiB`);
  console.log(`each claude process: median ${claude.sort((a, b) => a - b)[Math.floor(claude.length / 2)]!.toFixed(0)} MiB RSS (${claude.length} processes)`);
} finally {
  await h.close();
}
