/**
 * Issue 12: 100 live sessions across two runners (50 each), then 20 concurrent turns. The hub and
 * the runners run as processes (scripts/bench/hub-rig.ts) over a real nats-server on loopback, the
 * hub against the fake Discord; the runners' `claude` is the stand-in
 * (scripts/bench/stub-claude.mjs, answering at once), as in `bench:many`, so what is measured is
 * the bridge: hub, runners and NATS.
 *
 * Layout: 100 threads of the text channel, each one session (`/claude ask` in a thread is the
 * user's session there); the text channel is bound to runner `b` (its threads follow it) and
 * threads 0–49 to runner `a` (`/claude project`). One thread per session keeps each answer in its
 * own Discord rate-limit bucket (edits: 5 per 5 s per channel), so the turns measure the bridge.
 *
 * Measured: hub RSS; hub, runners' and nats-server's CPU (utime + stime from /proc, in 10 ms ticks)
 * idle over `windowSeconds` and during the burst; each runner's RSS; `concurrent` `/claude ask`s at
 * once, half on each runner (interaction → final edit), p50/p95.
 *
 * BENCH_HUB_NODE_OPTIONS is the hub's NODE_OPTIONS (e.g. `--require <abs path>/scripts/bench/cpu-profile.cjs`, to
 * see where its CPU goes); BENCH_LOG_LEVEL the log level of hub and runners (default warn).
 *
 *   npm run bench:hub-many     (or: npx tsx scripts/bench/hub-many.ts [sessions=100] [concurrent=20] [windowSeconds=10])
 */
import path from 'node:path';
import { threadPayload } from '../../test/fakes/discord/payloads.js';
import { snowflake } from '../../test/fakes/discord/snowflake.js';
import buildDist from '../../test/helpers/build.js';
import { startAnthropicStub } from '../../test/fakes/anthropic-stub.js';
import { exitUnlessNatsServer, hubRig, printStages, type HubRig, type TimedTurn } from './hub-rig.js';
import { cpuMs, finalEdit, loadavg, machine, median, p95, rssMiB, sleep } from './rig.js';

const [sessions, concurrent, windowS] = [Number(process.argv[2] ?? 100), Number(process.argv[3] ?? 20), Number(process.argv[4] ?? 10)];
const half = Math.ceil(sessions / 2);
exitUnlessNatsServer('bench:hub-many');
buildDist();
const stub = await startAnthropicStub(); // unused by the stand-in; the runners' environment points at it all the same
const threads: string[] = [];
let rig: HubRig | null = null;

try {
  rig = await hubRig('hub-many', {
    runners: ['a', 'b'], stubUrl: stub.url, logLevel: process.env.BENCH_LOG_LEVEL ?? 'warn',
    ...(process.env.BENCH_HUB_NODE_OPTIONS ? { hubEnv: { NODE_OPTIONS: process.env.BENCH_HUB_NODE_OPTIONS } } : {}),
    runnerEnv: {
      CLAUDE_BIN: path.resolve(import.meta.dirname, 'stub-claude.mjs'),
      MAX_SESSIONS: String(sessions + 10), MAX_SESSIONS_PER_USER: String(sessions + 10), MAX_QUEUE: String(sessions), DEFAULT_TIMEOUT: '3600',
    },
    beforeHub: (discord, user) => {
      for (let n = 0; n < sessions; n++) {
        const id = snowflake();
        discord.channels.set(id, threadPayload({ id, guildId: discord.guildId, parentId: discord.channelId, ownerId: user.id, name: `t${n}`, autoArchive: 4320 }));
        threads.push(id);
      }
    },
  });
  const { discord, user } = rig;
  const r = rig;
  const command = (subcommand: string, options: Record<string, string>, channelId: string) =>
    discord.injectCommand({ user, name: 'claude', subcommand, options, channelId });
  const bind = async (runner: string, channelId: string) => {
    const i = command('project', { runner, path: '.' }, channelId);
    await discord.waitFor(() => discord.responsesTo(i).find((m) => m.content.startsWith('📁 New sessions')), 60_000, `binding to ${runner}`);
  };
  const ask = async (k: number, prompt: string): Promise<TimedTurn & { ms: number }> => {
    const i = command('ask', { prompt }, threads[k]!);
    const final = await discord.waitFor(() => finalEdit(discord, i, `echo: ${prompt}`), 120_000, `answer in thread ${k}`);
    return { interactionId: i.id, t0: i.createdAt, final: final.at, ms: final.at - i.createdAt };
  };

  await bind('b', discord.channelId);
  for (let k = 0; k < half; k++) await bind('a', threads[k]!);
  const t0 = Date.now();
  // The first session of each runner alone (its tmux server starts with it), then 10 at a time.
  await ask(0, 'hello 0');
  await ask(half, `hello ${half}`);
  const rest = [...threads.keys()].filter((k) => k !== 0 && k !== half);
  for (let n = 0; n < rest.length; n += 10) await Promise.all(rest.slice(n, n + 10).map((k) => ask(k, `hello ${k}`)));
  const startS = (Date.now() - t0) / 1000;
  await discord.waitFor(() => r.tmuxSessions('a').length + r.tmuxSessions('b').length === sessions, 60_000, `${sessions} live sessions`);
  const live = { a: r.tmuxSessions('a').length, b: r.tmuxSessions('b').length };
  await sleep(5000); // the start's garbage collected, heartbeats settled

  const pids = { hub: r.hub.proc.pid!, a: r.runners.a!.proc!.proc.pid!, b: r.runners.b!.proc!.proc.pid!, nats: r.natsPid() };
  const cpu = () => Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuMs(pid)])) as Record<keyof typeof pids, number>;
  const load = [loadavg()];
  const idle0 = cpu();
  const callsBefore = discord.calls.length;
  await sleep(windowS * 1000);
  const idle1 = cpu();
  const idleCalls = discord.calls.length - callsBefore;
  const rss = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, rssMiB(pid)])) as Record<keyof typeof pids, number>;

  // The burst: half on each runner, all at once.
  const picks = [...threads.keys()].filter((k) => (k < half ? k < concurrent / 2 : k - half < concurrent / 2)).slice(0, concurrent);
  const b0 = cpu();
  const self0 = process.cpuUsage();
  const bt0 = Date.now();
  const turns = await Promise.all(picks.map((k) => ask(k, `burst ${k}`)));
  const burstS = (Date.now() - bt0) / 1000;
  const b1 = cpu();
  const self = process.cpuUsage(self0);
  load.push(loadavg());
  const lat = turns.map((t) => t.ms);
  const per = (a: Record<string, number>, b: Record<string, number>, k: string, s: number) => ((b[k]! - a[k]!) / s).toFixed(1);

  console.log(`${sessions} live sessions on two runners (a: ${live.a}, b: ${live.b}), stand-in claude (${machine()})`);
  console.log(`load average before idle window / after burst: ${load.join(' / ')}; ${sessions} sessions started in ${startS.toFixed(1)} s`);
  console.log(`| hub RSS | runner a RSS | runner b RSS | nats-server RSS | ${concurrent} concurrent turns p50 | p95 | max |`);
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  console.log(`| ${rss.hub.toFixed(1)} MiB | ${rss.a.toFixed(1)} MiB | ${rss.b.toFixed(1)} MiB | ${rss.nats.toFixed(1)} MiB | ${median(lat)} ms | ${p95(lat)} ms | ${Math.max(...lat)} ms |`);
  console.log('');
  console.log(`| CPU, ms per s | hub | runner a | runner b | nats-server |`);
  console.log('| --- | --- | --- | --- | --- |');
  console.log(`| idle, ${windowS} s | ${per(idle0, idle1, 'hub', windowS)} | ${per(idle0, idle1, 'a', windowS)} | ${per(idle0, idle1, 'b', windowS)} | ${per(idle0, idle1, 'nats', windowS)} |`);
  console.log(`| burst, ${burstS.toFixed(2)} s | ${per(b0, b1, 'hub', burstS)} | ${per(b0, b1, 'a', burstS)} | ${per(b0, b1, 'b', burstS)} | ${per(b0, b1, 'nats', burstS)} |`);
  console.log(`burst CPU, total ms: hub ${(b1.hub - b0.hub).toFixed(0)}, runner a ${(b1.a - b0.a).toFixed(0)}, runner b ${(b1.b - b0.b).toFixed(0)}, nats-server ${(b1.nats - b0.nats).toFixed(0)}; this bench process (fake Discord, observer) ${((self.user + self.system) / 1000).toFixed(0)}`);
  console.log(`Discord calls while idle (${windowS} s): ${idleCalls}; turns: ${lat.join(', ')}`);
  console.log('');
  printStages(discord, turns, r.observed);
  const limited = [...discord.limiter.limited.entries()].map(([k, v]) => `${k}: ${v}`).join(', ') || 'none';
  console.log(`429 answers: ${limited}`);
} catch (err) {
  console.error(`hub:\n${rig?.hub.output().slice(-4000)}\nrunner a:\n${rig?.runners.a?.proc?.output().slice(-2000)}\nrunner b:\n${rig?.runners.b?.proc?.output().slice(-4000)}`);
  throw err;
} finally {
  await rig?.close();
  await stub.close();
}
