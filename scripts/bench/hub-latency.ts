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
import { commandIdFor } from '../../src/hub/service.js';
import type { FakeDiscord, FakeUser } from '../../test/fakes/discord/server.js';
import buildDist from '../../test/helpers/build.js';
import { hubRig, type HubRig, type Observed } from './hub-rig.js';
import { benchRig, finalEdit, loadavg, machine, median, p95, sleep } from './rig.js';

const turns = Number(process.argv[2] ?? 30);
const paceMs = Number(process.argv[3] ?? 1200);
buildDist(); // the bot, the hub and the runner run as shipped (dist/)
const local = await benchRig('hub-latency');
let remote: HubRig | null = null;

interface Setup { name: string; discord: FakeDiscord; user: FakeUser }
interface Turn { ms: number; edits: number; interactionId: string; t0: number; final: number }

async function ask(s: Setup, prompt: string): Promise<Turn> {
  const i = s.discord.injectCommand({ user: s.user, name: 'claude', subcommand: 'ask', options: { prompt } });
  const final = await s.discord.waitFor(() => finalEdit(s.discord, i, `echo: ${prompt}`), 60_000, `${s.name}: the answer to "${prompt}"`);
  const reply = s.discord.responsesTo(i)[0];
  const edits = s.discord.calls.filter((c) => c.method === 'PATCH' && (c.path.includes(i.token) || c.path.endsWith(`/messages/${reply?.id}`))).length;
  return { ms: final.at - i.createdAt, edits, interactionId: i.id, t0: i.createdAt, final: final.at };
}

/** When Discord got the interaction's acknowledgement (its callback), ms after the interaction. */
function ackMs(s: Setup, t: Turn): number | null {
  const c = s.discord.calls.find((x) => x.method === 'POST' && x.path.startsWith(`/interactions/${t.interactionId}/`) && x.path.endsWith('/callback'));
  return c ? c.at - t.t0 : null;
}

let lastEvents = '';
/** A hub turn's stages from what the observer saw (ms), or null when something was not seen. */
function stages(s: Setup, t: Turn, seen: Observed[]) {
  const cmdId = commandIdFor(t.interactionId);
  const cmd = seen.find((o) => o.subject.endsWith('.cmd') && o.id === cmdId);
  const accepted = seen.find((o) => o.body.type === 'accepted' && o.body.commandId === cmdId);
  const turnId = accepted?.body.turnId;
  const events = seen.filter((o) => o.subject.endsWith('.evt') && o.body.turnId === turnId && o.body.type !== 'accepted');
  const [turn, started, result] = (['turn', 'started', 'result'] as const).map((type) => events.find((o) => o.body.type === type));
  const ack = ackMs(s, t);
  if (!cmd || !accepted || !turn || !started || !result || ack === null) return null;
  lastEvents = [accepted, ...events].sort((x, y) => x.at - y.at).map((o) => `${o.body.type} +${o.sentAt - t.t0}/${o.at - t.t0}`).join(', ');
  return {
    'interaction → acknowledged (deferReply reached Discord)': ack,
    'acknowledged → command stored (deferReply answered, presence, store, publish)': cmd.at - t.t0 - ack,
    'command stored → turn produced (runner: pull, session, inbox)': turn.sentAt - cmd.at,
    'turn produced → started produced (prompt written to claude)': started.sentAt - turn.sentAt,
    'started produced → result produced (claude answers)': result.sentAt - started.sentAt,
    'result produced → result stored (outbox: wait behind earlier events, PubAck)': result.at - result.sentAt,
    'result stored → final edit (hub: consume, store, TurnView, PATCH)': t.final - result.at,
    'events of the turn (accepted included)': events.length + 1,
    'all its events: produced → stored, summed': [...events, accepted].reduce((a, o) => a + (o.at - o.sentAt), 0),
  };
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
  const warm: Turn[][] = [[], []];
  for (let n = 0; n < turns; n++) {
    for (const k of n % 2 === 0 ? [0, 1] : [1, 0]) warm[k]!.push(await ask(setups[k]!, `warm ${n}`));
    await sleep(paceMs);
  }
  loads.push(loadavg());
  const [a, h] = [warm[0]!.map((t) => t.ms), warm[1]!.map((t) => t.ms)];
  console.log(`Warm turn, hub → runner over NATS vs all-in-one (${machine()}; nats-server ${execFileSync('nats-server', ['--version'], { encoding: 'utf8' }).trim()})`);
  console.log(`${turns} warm /claude ask each, alternating, ${paceMs} ms between pairs; load average before / after: ${loads.join(' / ')}`);
  console.log('| interaction → final edit | cold | warm median | warm p95 | edits per turn (median) |');
  console.log('| --- | --- | --- | --- | --- |');
  setups.forEach((s, k) => console.log(`| ${s.name} | ${cold[k]!.ms} ms | ${median(warm[k]!.map((t) => t.ms))} ms | ${p95(warm[k]!.map((t) => t.ms))} ms | ${median(warm[k]!.map((t) => t.edits))} |`));
  console.log(`ratio hub / all-in-one: median ${(median(h) / median(a)).toFixed(2)}×, p95 ${(p95(h) / p95(a)).toFixed(2)}× (goal ≤ 1.2×)`);
  console.log(`runs, all-in-one: ${a.join(', ')}`);
  console.log(`runs, hub:        ${h.join(', ')}`);
  const parts = warm[1]!.map((t) => stages(setups[1]!, t, remote!.observed)).filter((s) => s !== null);
  console.log(`\nWhere a hub turn's time goes (median over ${parts.length} turns, ms):`);
  console.log('| stage | median | p95 |');
  console.log('| --- | --- | --- |');
  for (const key of Object.keys(parts[0] ?? {})) {
    const xs = parts.map((p) => p[key as keyof typeof p]);
    console.log(`| ${key} | ${median(xs)} | ${p95(xs)} |`);
  }
  console.log(`the last turn's events (ms after the interaction: produced/stored): ${lastEvents}`);
  const acks = warm[0]!.map((t) => ackMs(setups[0]!, t)).filter((x) => x !== null);
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
