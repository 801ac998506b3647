/**
 * Soak: N `kill -9`s of the bot (default 100), each at a chosen or random instant, the bot restarted
 * after each, and at the end every message ever sent judged: answered exactly once, duplicated, told
 * plainly it was not taken, or lost (delivery.ts defines each). Exits 1 when anything was lost or
 * duplicated. The bot runs as `npm start` runs it (test/helpers/harness.ts), with real tmux, SQLite
 * and `claude` against the Anthropic stub; Discord is the fake (test/fakes/discord/).
 *
 * Kill points (share of the rounds):
 * - accepted (25%): a plain message in a session's thread, killed as soon as its row is in `turns`
 *   (polled every ~2 ms), or 50/200/600 ms later;
 * - thread (25%): `/claude ask` opening its thread, killed while Discord holds "Start Thread from
 *   Message", or the thread's first message, then the held request completes; or killed 0–1.2 s
 *   after the ask at random;
 * - handover (15%, run as one block with MAX_SESSIONS=1): one user's slow answer holds the only slot,
 *   a second user's ask waits; killed when the second's session starts its process (state `starting`),
 *   or right after it started (its row has a backend);
 * - burst (10%): 50 plain messages within 1 s in a fresh thread, killed at a random instant within
 *   3 s of the first (messages not yet sent then are sent once the bot is back: nobody types to a
 *   dead bot in this model);
 * - random (25%): 1–3 thread messages and maybe an ask over ~1 s, killed 0–2.5 s after the first.
 * After each kill the bot is started again and the round's messages are waited for (all answered
 * or told, nothing owed in `turns` or `intents`).
 *
 *   npm run bench:soak         (or: npx tsx scripts/bench/soak.ts [kills=100]; SOAK_KILLS, SOAK_SEED)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import type { FakeUser } from '../../test/fakes/discord/server.js';
import { Harness, hasButton } from '../../test/helpers/harness.js';
import { count, Ledger, oneLine, sleep, type Sent, type Verdict } from './delivery.js';

const N = Number(process.argv[2] ?? process.env.SOAK_KILLS ?? 100);
const SEED = Number(process.env.SOAK_SEED ?? Date.now() % 1_000_000);
const BURST = Number(process.env.SOAK_BURST ?? 50);

/** mulberry32: a seeded PRNG, so a run can be repeated (SOAK_SEED). */
let state = SEED >>> 0;
function rand(): number {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
const between = (a: number, b: number) => Math.round(a + rand() * (b - a));

type Scenario = 'accepted' | 'thread' | 'handover' | 'burst' | 'random';
interface Round { n: number; scenario: Scenario; detail: string; life: number; ms: number; settled: boolean }

const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdb-soak-'));
const h = await Harness.create({ slowDelayMs: 40, slowPieces: 10 });
const users = Object.fromEntries(['alice', 'dave', 'bob', 'carol', 'erin'].map((n) => [n, h.discord.addUser(n)])) as Record<string, FakeUser>;
const all = Object.values(users);
const BASE = { THREADS: 'true', LOG_LEVEL: 'debug' };
let env: Record<string, string> = BASE;
const ledger = new Ledger(h);
let life = 0;
let up = false;

async function start(): Promise<void> {
  life++;
  await h.startBot(all, env);
  up = true;
}

function saveLog(): void {
  if (h.bot) fs.writeFileSync(path.join(logDir, `life-${String(life).padStart(3, '0')}.log`), h.bot.output());
}

async function kill(): Promise<void> {
  up = false;
  await h.bot!.crash();
  saveLog();
}

/**
 * Waits until the round's messages are answered or told and none of them is still owed in `turns`
 * or `intents` (rows an earlier round left stuck do not hold up the next); `false` on timeout.
 */
async function settle(sent: readonly Sent[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  const mine = new Set(sent.map((s) => s.token));
  while (Date.now() < deadline) {
    const owed = ledger.pollStore();
    if (![...owed].some((t) => mine.has(t)) && ledger.verdicts(sent).every((v) => v.outcome !== 'lost')) return true;
    await sleep(100);
  }
  return false;
}

/** Polls the store every ~2 ms until `token` is stored; `false` after `timeoutMs`. */
async function stored(token: string, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (ledger.pollStore().has(token)) return true;
    await sleep(2);
  }
  return false;
}

function threadOf(s: Sent): string | undefined {
  return h.discord.threads().find((t) => h.discord.responsesTo(s.interaction!).some((m) => m.id === t.id))?.id;
}

async function openThread(user: FakeUser, label: string, round: number): Promise<string> {
  const s = ledger.ask(user, (t) => `open ${t}`, label, round);
  const id = await h.discord.waitFor(() => threadOf(s), 30_000, 'thread');
  await h.discord.waitFor(() => h.discord.channelMessages(id).some((m) => m.content.includes(`echo: open ${s.token}`) && hasButton(m, 'continue')), 60_000, 'thread answer');
  return id;
}

const prompt = () => pick(['', '', 'SLOW:5 ', 'SLOW:10 ', 'SLOW:20 ']);

// ---- scenarios: each sends, kills once, and returns what it sent and how it killed ----

async function accepted(round: number, threads: string[]): Promise<{ sent: Sent[]; detail: string }> {
  const s = ledger.thread(users.alice!, pick(threads), (t) => `${prompt()}msg ${t}`, 'accepted', round);
  const ok = await stored(s.token);
  const extra = pick([0, 0, 0, 50, 200, 600]);
  if (extra) await sleep(extra);
  await kill();
  return { sent: [s], detail: ok ? `stored +${extra} ms` : 'never stored (10 s)' };
}

async function thread(round: number): Promise<{ sent: Sent[]; detail: string }> {
  const variant = pick(['hold-start-thread', 'hold-first-message', 'random']);
  const main = h.discord.channelId;
  if (variant === 'random') {
    const s = ledger.ask(users.dave!, (t) => `${prompt()}ask ${t}`, 'thread', round);
    const d = between(0, 1200);
    await sleep(d);
    await kill();
    return { sent: [s], detail: `random +${d} ms` };
  }
  const hold = variant === 'hold-start-thread'
    ? h.discord.holdNext(new RegExp(`^POST /channels/${main}/messages/\\d+/threads$`))
    : h.discord.holdNext(/^POST \/channels\/\d+\/messages$/, 1, (c) => String(c.body?.content ?? '').includes('Reply in this thread'));
  const s = ledger.ask(users.dave!, (t) => `${prompt()}ask ${t}`, 'thread', round);
  const seen = await h.discord.waitFor(() => hold.seen > 0, 15_000, 'held request').catch(() => false);
  await kill();
  hold.times = 0;
  hold.release(); // Discord completes what the dead bot asked for
  return { sent: [s], detail: `${variant}${seen ? '' : ' (not reached)'}` };
}

async function handover(round: number): Promise<{ sent: Sent[]; detail: string }> {
  const variant = pick(['starting', 'started']);
  const before = new Set(h.rows(`SELECT id FROM sessions WHERE owner_id = '${users.carol!.id}'`).map((r) => r.id));
  const first = ledger.ask(users.bob!, (t) => `SLOW:${between(10, 30)} hold ${t}`, 'handover', round);
  await stored(first.token);
  await sleep(300);
  const second = ledger.ask(users.carol!, (t) => `${prompt()}wait ${t}`, 'handover', round);
  const deadline = Date.now() + 30_000;
  let reached = false;
  while (Date.now() < deadline) {
    const row = h.rows(`SELECT id, state, backend FROM sessions WHERE owner_id = '${users.carol!.id}'`).find((r) => !before.has(r.id));
    if (row && (variant === 'starting' ? row.state === 'starting' || row.backend !== null : row.backend !== null)) { reached = true; break; }
    await sleep(3);
  }
  await kill();
  return { sent: [first, second], detail: `${variant}${reached ? '' : ' (not reached: timeout)'}` };
}

async function burst(round: number): Promise<{ sent: Sent[]; detail: string; restarted: Promise<void> }> {
  const t = await openThread(users.erin!, 'burst', round);
  const sent: Sent[] = [ledger.sent.at(-1)!];
  const at = between(0, 3000);
  let restarted!: Promise<void>;
  const killer = (async () => {
    await sleep(at);
    await kill();
    restarted = start();
    await restarted;
  })();
  const t0 = Date.now();
  for (let k = 0; k < BURST; k++) {
    while (!up) await sleep(5);
    sent.push(ledger.thread(users.erin!, t, (tok) => `burst ${k + 1} ${tok}`, 'burst', round));
    ledger.pollStore();
    await sleep(Math.max(0, t0 + ((k + 1) * 1000) / BURST - Date.now()));
  }
  await killer;
  const before = sent.filter((s) => s.sentAt - t0 <= at).length - 1;
  return { sent, detail: `kill at +${at} ms (after ${before}/${BURST} sent)`, restarted };
}

async function random(round: number, threads: string[]): Promise<{ sent: Sent[]; detail: string }> {
  const sent: Sent[] = [];
  const at = between(0, 2500);
  const killed = sleep(at).then(kill);
  const t0 = Date.now();
  const n = between(1, 3);
  for (let k = 0; k < n && up; k++) {
    sent.push(ledger.thread(users.alice!, pick(threads), (t) => `${prompt()}rnd ${t}`, 'random', round));
    if (rand() < 0.3 && up) sent.push(ledger.ask(users.dave!, (t) => `${prompt()}rnd ask ${t}`, 'random', round));
    await sleep(between(0, 500));
  }
  await killed;
  return { sent, detail: `kill at +${at} ms (${sent.filter((s) => s.sentAt - t0 <= at).length}/${sent.length} sent before)` };
}

// ---- the run ----

const plan: Scenario[] = [];
const share: Array<[Scenario, number]> = [['accepted', 0.25], ['thread', 0.25], ['burst', 0.1], ['random', 0.25]];
for (const [s, f] of share) for (let k = 0; k < Math.round(N * f); k++) plan.push(s);
const handovers = Math.max(0, N - plan.length);
if (process.env.SOAK_ONLY) plan.splice(0, plan.length, ...Array.from({ length: N }, () => process.env.SOAK_ONLY as Scenario)); // one kill point only
for (let i = plan.length - 1; i > 0; i--) { const j = Math.floor(rand() * (i + 1)); [plan[i], plan[j]] = [plan[j]!, plan[i]!]; }
for (let k = 0; k < handovers; k++) plan.push('handover'); // one block: MAX_SESSIONS=1 for these

const rounds: Round[] = [];
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void h.close().finally(() => process.exit(130))); // no bot or tmux server left behind
const t0 = Date.now();
let threads: string[] = [];
try {
  await start();
  threads = [];
  for (let k = 0; k < 3; k++) threads.push(await openThread(users.alice!, 'setup', 0));
  console.error(`soak: ${N} kills, seed ${SEED}, logs in ${logDir}`);
  for (let r = 1; r <= plan.length; r++) {
    const scenario = plan[r - 1]!;
    if (scenario === 'handover' && env.MAX_SESSIONS !== '1') {
      await h.bot!.stop();
      saveLog();
      env = { ...BASE, MAX_SESSIONS: '1' };
      await start();
    }
    const began = Date.now();
    const killedIn = life;
    let out: { sent: Sent[]; detail: string };
    if (scenario === 'burst') {
      const b = await burst(r);
      out = b;
    } else {
      out = scenario === 'accepted' ? await accepted(r, threads)
        : scenario === 'thread' ? await thread(r)
          : scenario === 'handover' ? await handover(r)
            : await random(r, threads);
      await start();
    }
    const settled = await settle(out.sent, scenario === 'burst' ? 60_000 : 30_000);
    rounds.push({ n: r, scenario, detail: out.detail, life: killedIn, ms: Date.now() - began, settled });
    const c = count(ledger.verdicts(out.sent));
    console.error(`#${r} ${scenario} ${out.detail}: ${out.sent.length} sent, once ${c.once}, told ${c.told}, dup ${c.duplicated}, lost ${c.lost}${settled ? '' : ' (not settled)'} · ${((Date.now() - began) / 1000).toFixed(1)} s`);
  }
  await sleep(5000); // late copies, if any, would show by now
  ledger.pollStore();
} finally {
  saveLog();
  const verdicts = ledger.verdicts();
  // What Discord holds, for reading a loss or duplicate against the bot logs.
  fs.writeFileSync(path.join(logDir, 'discord-messages.json'), JSON.stringify([...h.discord.messages.values()].map((m) => ({
    id: m.id, channel: m.channel_id, bot: m.author.id === h.discord.bot.id, replyTo: m.message_reference?.message_id, nonce: m.nonce,
    buttons: (m.components as Array<{ components?: Array<{ custom_id?: string }> }>).flatMap((r) => r.components ?? []).map((c) => c.custom_id), content: m.content,
  })), null, 1));
  fs.writeFileSync(path.join(logDir, 'sent.json'), JSON.stringify(verdicts.map((v) => ({ ...v.sent, interaction: v.sent.interaction?.token, outcome: v.outcome, answers: v.answers, told: v.told })), null, 1));
  report(verdicts);
  ledger.close();
  await h.close();
}

function report(verdicts: Verdict[]): void {
  const byScenario = new Map<string, Verdict[]>();
  for (const v of verdicts) (byScenario.get(v.sent.label) ?? byScenario.set(v.sent.label, []).get(v.sent.label)!).push(v);
  const minutes = ((Date.now() - t0) / 60_000).toFixed(1);
  const tmux = execFileSync('tmux', ['-V'], { encoding: 'utf8' }).trim();
  console.log(`bench:soak — ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), node ${process.version}, ${tmux}; seed ${SEED}`);
  const owed = ledger.owed();
  console.log(`${rounds.length} kill -9s in ${minutes} min (${rounds.filter((r) => !r.settled).length} rounds did not settle in time); owed at the end: ${owed.turns} turns, ${owed.intents} intents; bot logs: ${logDir}`);
  console.log('');
  console.log('| kill point | kills | messages | answered once | told not taken | duplicated | lost (stored / never stored) |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  const row = (name: string, kills: number | string, vs: Verdict[]) => {
    const c = count(vs);
    const lostStored = vs.filter((v) => v.outcome === 'lost' && v.sent.stored).length;
    console.log(`| ${name} | ${kills} | ${vs.length} | ${c.once} | ${c.told} | ${c.duplicated} | ${c.lost} (${lostStored} / ${c.lost - lostStored}) |`);
  };
  for (const s of ['setup', 'accepted', 'thread', 'handover', 'burst', 'random'] as const) {
    const vs = byScenario.get(s) ?? [];
    if (vs.length > 0 || s !== 'setup') row(s, s === 'setup' ? '—' : rounds.filter((r) => r.scenario === s).length, vs);
  }
  row('**all**', rounds.length, verdicts);
  const told = verdicts.filter((v) => v.outcome === 'told');
  if (told.length > 0) {
    console.log('');
    const why = new Map<string, number>();
    for (const v of told) why.set(v.told!, (why.get(v.told!) ?? 0) + 1);
    console.log(`told: ${[...why].map(([w, n]) => `${n}× ${oneLine(w, 100)}`).join('; ')}`);
  }
  const asked = new Map<string, number>();
  for (const r of h.stub.requests) for (const t of JSON.stringify(r.body.messages ?? []).match(/k\d{5}q/g) ?? []) asked.set(t, 0);
  const bad = verdicts.filter((v) => v.outcome === 'lost' || v.outcome === 'duplicated');
  if (bad.length > 0) {
    console.log('');
    console.log('lost or duplicated:');
    for (const v of bad) {
      const r = rounds.find((x) => x.n === v.sent.round);
      console.log(`- ${v.sent.token} ${v.outcome} (${v.sent.kind}, round ${v.sent.round} ${r?.scenario ?? ''} ${r?.detail ?? ''}, bot life ${r?.life ?? '?'}, stored: ${v.sent.stored}, acknowledged: ${v.acknowledged}, answers: ${v.answers.join(',') || '—'}, reached Claude: ${asked.has(v.sent.token)})`);
    }
    process.exitCode = 1;
  }
}
