/**
 * Issue 13: 100 live sessions on one host. The bot runs as `npm start` runs it (real tmux, SQLite,
 * discord.js against the fake Discord) with a stand-in `claude` (scripts/bench/stub-claude.mjs,
 * answering at once), so what is measured is the bridge: its RSS with 100 live sessions, its idle
 * CPU (bot process and tmux server, utime+stime over a quiet window), and the latency of 20
 * concurrent turns (Continue pressed on 20 sessions' answers at once: click → final edit), p50/p95.
 *
 *   npm run bench:many        (or: npx tsx scripts/bench/many.ts [sessions=100] [concurrent=20] [windowSeconds=10])
 */
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { benchRig, cpuMs, machine, median, p95, rssMiB, sleep } from './rig.js';
import type { Interaction, StoredMessage } from '../../test/fakes/discord/server.js';
import { buttonIds } from '../../test/helpers/harness.js';

const [sessions, concurrent, windowS] = [Number(process.argv[2] ?? 100), Number(process.argv[3] ?? 20), Number(process.argv[4] ?? 10)];
const rig = await benchRig('many');
const { discord, user } = rig;
const tmuxPid = () => Number(execFileSync('tmux', ['-L', rig.socket, 'display-message', '-p', '#{pid}'], { encoding: 'utf8' }).trim());
const finalOf = (i: Interaction, prefix: string) => discord.calls.find((c) => c.method === 'PATCH' && c.path.includes(i.token) && c.status === 200
  && String(c.body?.content).startsWith(prefix) && !JSON.stringify(c.body?.components ?? []).includes('cdb:stop:'));

try {
  const bot = await rig.start({
    THREADS: 'false', SPARE_PROCESSES: '0', CLAUDE_BIN: path.resolve(import.meta.dirname, 'stub-claude.mjs'),
    MAX_SESSIONS: String(sessions + 10), MAX_SESSIONS_PER_USER: String(sessions + 10), MAX_QUEUE: String(sessions), DEFAULT_TIMEOUT: '3600',
  });
  const answers: StoredMessage[] = [];
  for (let n = 0; n < sessions; n++) { // one new session each (the previous ones stay live)
    const i = discord.injectCommand({ user, name: 'claude', subcommand: 'new', options: { prompt: `hello ${n}` } });
    await discord.waitFor(() => finalOf(i, `echo: hello ${n}`), 30_000, `session ${n}`);
    answers.push(discord.responsesTo(i)[0]!);
  }
  await discord.waitFor(() => rig.tmuxSessions().length === sessions, 30_000, `${sessions} live sessions`);
  await sleep(2000);
  const pids = [bot.proc.pid!, tmuxPid()];
  const before = pids.map(cpuMs);
  const callsBefore = discord.calls.length;
  await sleep(windowS * 1000);
  const idleCalls = discord.calls.slice(callsBefore).map((c) => `${c.method} ${c.path.replace(/\d{15,}/g, ':id')}`);
  const idleCpu = pids.map((p, k) => cpuMs(p) - before[k]!);
  const rss = rssMiB(bot.proc.pid!);

  const burst0 = { cpu: cpuMs(bot.proc.pid!), at: Date.now() };
  const latencies = await Promise.all(answers.slice(0, concurrent).map(async (m, k) => {
    const i = discord.injectButton({ user, message: m, customId: buttonIds(m).find((id) => id.startsWith('cdb:continue:'))! });
    const final = await discord.waitFor(() => finalOf(i, 'echo: continue'), 60_000, `continue ${k}`);
    return final.at - i.createdAt;
  }));
  const burst = { cpu: cpuMs(bot.proc.pid!) - burst0.cpu, s: (Date.now() - burst0.at) / 1000 };
  console.log(`${sessions} live sessions, stand-in claude (${machine()})`);
  console.log(`| bot RSS | idle CPU, bot | idle CPU, tmux server | ${concurrent} concurrent turns p50 | p95 |`);
  console.log('| --- | --- | --- | --- | --- |');
  console.log(`| ${rss.toFixed(1)} MiB | ${(idleCpu[0]! / windowS).toFixed(2)} ms/s | ${(idleCpu[1]! / windowS).toFixed(2)} ms/s | ${median(latencies)} ms | ${p95(latencies)} ms |`);
  console.log(`bot CPU during the ${concurrent} turns: ${burst.cpu.toFixed(0)} ms in ${burst.s.toFixed(2)} s`);
  console.log(`Discord calls while idle (${windowS} s): ${idleCalls.length}${idleCalls.length ? ` (${[...new Set(idleCalls)].join(', ')})` : ''}`);
} finally {
  await rig.close();
}
