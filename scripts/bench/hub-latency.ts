/**
 * Issue 12: a warm turn through the hub and a runner over NATS on loopback vs the all-in-one
 * `claude-bridge start`, in one run, turn by turn alternating (which goes first alternates too),
 * both against the same Anthropic stub (answering at once) with the real `claude` CLI under tmux.
 * Measured: `/claude ask` interaction injected → the final edit of its reply in the fake Discord
 * (the all-in-one edits through the interaction's webhook; the hub edits the deferred reply
 * through the channel's message route). Each setup has a fake Discord of its own (the fake routes
 * every interaction to the last client that identified), the same code in this one process.
 *
 * For the hub's turns, where the time goes: an observer connection on the NATS server sees each
 * command and event as the server stores it; each event carries the runner's time when it was
 * produced (`at`), so the runner's outbox wait is the difference.
 *
 * Turns are paced (`paceMs` between pairs): the hub edits in the channel, whose bucket is 5 edits
 * per 5 s (as Discord's), where the all-in-one edits through each interaction's own webhook; the
 * bench measures latency, not that limit (429s and edits per turn are printed).
 *
 * With BENCH_LOG_LEVEL=debug, both sides log at debug and the CLI's own share of each turn (`prompt
 * written` → `result read`, from their logs) is printed for each.
 *
 *   npm run bench:hub-latency     (or: npx tsx scripts/bench/hub-latency.ts [turns=30] [paceMs=1200])
 */
import { execFileSync } from 'node:child_process';
import type { FakeDiscord, FakeUser } from '../../test/fakes/discord/server.js';
import buildDist from '../../test/helpers/build.js';
import { ackMs, eventsOf, exitUnlessNatsServer, hubRig, printStages, type HubRig, type TimedTurn } from './hub-rig.js';
import { benchRig, cpuMs, finalEdit, loadavg, machine, median, p95, sleep } from './rig.js';

const turns = Number(process.argv[2] ?? 30);
const paceMs = Number(process.argv[3] ?? 1200);
exitUnlessNatsServer('bench:hub-latency');
buildDist(); // the bot, the hub and the runner run as shipped (dist/)
const local = await benchRig('hub-latency');
let remote: HubRig | null = null;

interface Setup { name: string; discord: FakeDiscord; user: FakeUser }
interface Turn extends TimedTurn { ms: number; edits: number }

async function ask(s: Setup, prompt: string): Promise<Turn> {
  const i = s.discord.injectCommand({ user: s.user, name: 'claude', subcommand: 'ask', options: { prompt } });
  const final = await s.discord.waitFor(() => finalEdit(s.discord, i, `echo: ${prompt}`), 60_000, `${s.name}: the answer to "${prompt}"`);
  const reply = s.discord.responsesTo(i)[0];
  const edits = s.discord.calls.filter((c) => c.method === 'PATCH' && (c.path.includes(i.token) || c.path.endsWith(`/messages/${reply?.id}`))).length;
  return { ms: final.at - i.createdAt, edits, interactionId: i.id, t0: i.createdAt, final: final.at };
}

/** From a debug log: each warm turn's `prompt written` → `result read` (the CLI's own share of the turn), ms. */
function cliShare(log: string): number[] {
  const at = new Map<string, number>();
  const out: number[] = [];
  for (const line of log.split('\n')) {
    if (!line.includes('"prompt written"') && !line.includes('"result read"')) continue;
    const e = JSON.parse(line) as { time: number; msg: string; turn?: string };
    if (e.msg === 'prompt written' && e.turn) at.set(e.turn, e.time);
    else if (e.turn && at.has(e.turn)) out.push(e.time - at.get(e.turn)!);
  }
  return out.slice(1); // the first is the cold turn's
}

const logLevel = process.env.BENCH_LOG_LEVEL ?? 'warn';
try {
  remote = await hubRig('hub-latency', { runners: ['a'], stubUrl: local.stub.url, logLevel });
  await local.start({ THREADS: 'false', SPARE_PROCESSES: '0', LOG_LEVEL: logLevel });
  const setups: Setup[] = [
    { name: 'all-in-one', discord: local.discord, user: local.user },
    { name: 'hub → runner', discord: remote.discord, user: remote.user },
  ];
  const cold = [await ask(setups[0]!, 'cold start'), await ask(setups[1]!, 'cold start')];
  const loads = [loadavg()];
  const pids = { bot: local.bot.proc.pid!, hub: remote.hub.proc.pid!, runner: remote.runners.a!.proc!.proc.pid!, nats: remote.natsPid() };
  const cpu = () => Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuMs(pid)])) as Record<keyof typeof pids, number>;
  const cpu0 = cpu();
  const warm: Turn[][] = [[], []];
  for (let n = 0; n < turns; n++) {
    for (const k of n % 2 === 0 ? [0, 1] : [1, 0]) warm[k]!.push(await ask(setups[k]!, `warm ${n}`));
    await sleep(paceMs);
  }
  loads.push(loadavg());
  const cpu1 = cpu();
  const perTurn = (k: keyof typeof pids) => ((cpu1[k] - cpu0[k]) / turns).toFixed(1);
  const [a, h] = [warm[0]!.map((t) => t.ms), warm[1]!.map((t) => t.ms)];
  console.log(`Warm turn, hub → runner over NATS vs all-in-one (${machine()}; nats-server ${execFileSync('nats-server', ['--version'], { encoding: 'utf8' }).trim()})`);
  console.log(`${turns} warm /claude ask each, alternating, ${paceMs} ms between pairs; load average before / after: ${loads.join(' / ')}`);
  console.log('| interaction → final edit | cold | warm median | warm p95 | edits per turn (median) |');
  console.log('| --- | --- | --- | --- | --- |');
  setups.forEach((s, k) => console.log(`| ${s.name} | ${cold[k]!.ms} ms | ${median(warm[k]!.map((t) => t.ms))} ms | ${p95(warm[k]!.map((t) => t.ms))} ms | ${median(warm[k]!.map((t) => t.edits))} |`));
  console.log(`ratio hub / all-in-one: median ${(median(h) / median(a)).toFixed(2)}×, p95 ${(p95(h) / p95(a)).toFixed(2)}× (goal ≤ 1.2×)`);
  console.log(`CPU per warm turn (process CPU over the warm turns, idle time between them included): all-in-one bot ${perTurn('bot')} ms; hub ${perTurn('hub')} + runner ${perTurn('runner')} + nats-server ${perTurn('nats')} ms`);
  console.log(`runs, all-in-one: ${a.join(', ')}`);
  console.log(`runs, hub:        ${h.join(', ')}`);
  console.log('');
  printStages(remote.discord, warm[1]!, remote.observed);
  console.log(`the last turn's events (ms after the interaction: produced/stored): ${eventsOf(warm[1]!.at(-1)!, remote.observed)}`);
  const acks = warm[0]!.map((t) => ackMs(setups[0]!.discord, t)).filter((x) => x !== null);
  console.log(`all-in-one, interaction → acknowledged: median ${median(acks)} ms, p95 ${p95(acks)} ms (it sends the prompt without waiting for it)`);
  if (logLevel === 'debug') {
    const [x, y] = [cliShare(local.bot.output()), cliShare(remote.runners.a!.proc!.output())];
    console.log(`prompt written → result read (debug log): all-in-one median ${median(x)} ms (p95 ${p95(x)}), runner median ${median(y)} ms (p95 ${p95(y)})`);
  }
  const rtt = await remote.roundTrips('a', 50);
  const f = (xs: number[]) => `median ${median(xs).toFixed(2)} ms, p95 ${p95(xs).toFixed(2)} ms`;
  console.log(`NATS round trips from the bench process (50 each): presence KV get ${f(rtt.kvGet)}; JetStream publish → PubAck ${f(rtt.publish)}`);
  const limited = [...local.discord.limiter.limited.entries(), ...remote.discord.limiter.limited.entries()].map(([k, v]) => `${k}: ${v}`).join(', ') || 'none';
  console.log(`429 answers: ${limited}`);
} finally {
  await remote?.close();
  await local.close();
}
