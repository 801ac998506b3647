/**
 * Bursts, end to end (issue 10, "Bursts" and the 13-ask case): the bot as `npm start` runs it, real
 * tmux, SQLite and `claude` against the Anthropic stub, Discord faked (test/helpers/harness.ts).
 *
 * (a) One user sends 13 `/claude ask` 0.7 s apart with the default limits (THREADS=true,
 *     MAX_SESSIONS=10, MAX_SESSIONS_PER_USER=3, MAX_QUEUE=20: each ask opens a thread and a session,
 *     so from the 4th on the user's slots must be handed over). Twice: answers at once, and answers
 *     streaming for ~2 s (`SLOW:20`, 100 ms a piece) so the asks overlap. Counts answered / failed
 *     (a ⚠️ final, e.g. "stopped unexpectedly") / refused / lost.
 * (b) 50 plain messages in one session's thread within 1 s (one every 20 ms). Counts answered (own
 *     turn, joined into a follow-up turn, or folded into the running one — see delivery.ts), duplicated,
 *     told, unacknowledged (nothing at all shown about it) and lost, and the time until all are answered.
 *
 *   npm run bench:burst        (or: npx tsx scripts/bench/burst.ts [asks=13] [messages=50])
 */
import os from 'node:os';
import { execFileSync } from 'node:child_process';
import type { FakeUser } from '../../test/fakes/discord/server.js';
import { Harness, hasButton } from '../../test/helpers/harness.js';
import { answeredTokens, count, Ledger, sleep, type Verdict } from './delivery.js';

const ASKS = Number(process.argv[2] ?? process.env.BURST_ASKS ?? 13);
const MESSAGES = Number(process.argv[3] ?? process.env.BURST_MESSAGES ?? 50);
let problems = 0;
const ENV = { THREADS: 'true', LOG_LEVEL: 'info' }; // everything else: the defaults (src/config/schema.ts)

/** Polls until every message of `ledger` is answered (or `timeoutMs`); returns ms from the first send to the last answer. */
async function settle(ledger: Ledger, timeoutMs: number): Promise<{ ms: number | null; verdicts: Verdict[] }> {
  const deadline = Date.now() + timeoutMs;
  let verdicts = ledger.verdicts();
  while (Date.now() < deadline) {
    ledger.pollStore();
    verdicts = ledger.verdicts();
    const owed = ledger.owed();
    if (verdicts.every((v) => v.outcome !== 'lost') && owed.turns === 0 && owed.intents === 0) break;
    await sleep(100);
  }
  await sleep(3000); // a second copy, if any, would be posted by now
  verdicts = ledger.verdicts();
  const first = Math.min(...ledger.sent.map((s) => s.sentAt));
  const all = verdicts.every((v) => v.outcome === 'once');
  return { ms: all ? Math.max(...ledger.sent.map((s) => s.answeredAt!)) - first : null, verdicts };
}

function reasons(vs: Verdict[]): string {
  const by = new Map<string, number>();
  for (const v of vs) if (v.outcome === 'told') by.set(v.told!, (by.get(v.told!) ?? 0) + 1);
  return [...by].map(([r, n]) => `${n}× ${r}`).join('; ') || '—';
}

async function asks(slow: boolean): Promise<string> {
  const h = await Harness.create({ slowDelayMs: 100, slowPieces: 20 });
  try {
    const user = h.discord.addUser('eager');
    await h.startBot([user], ENV);
    const ledger = new Ledger(h);
    for (let k = 0; k < ASKS; k++) {
      ledger.ask(user, (t) => `${slow ? 'SLOW:20 ' : ''}ask ${k + 1} ${t}`, 'ask');
      ledger.pollStore();
      if (k < ASKS - 1) await sleep(700);
    }
    const { ms, verdicts } = await settle(ledger, 120_000);
    ledger.close();
    const c = count(verdicts);
    problems += c.lost + c.duplicated;
    const failed = verdicts.filter((v) => v.outcome === 'told' && !/already waiting|busy|slots/i.test(v.told!));
    const refused = verdicts.filter((v) => v.outcome === 'told' && /already waiting|busy|slots/i.test(v.told!));
    const live = h.tmuxSessions().length;
    return `| ${slow ? '~2 s (`SLOW:20`)' : 'at once'} | ${c.once} | ${c.duplicated} | ${failed.length} | ${refused.length} | ${c.lost} | ${ms === null ? '—' : `${(ms / 1000).toFixed(1)} s`} | ${live} | ${reasons(verdicts)} |`;
  } finally {
    await h.close();
  }
}

async function messages(): Promise<string[]> {
  const h = await Harness.create();
  try {
    const user: FakeUser = h.discord.addUser('bursty');
    await h.startBot([user], ENV);
    const opener = h.ask(user, 'open a thread');
    const thread = await h.discord.waitFor(() => h.discord.threads().find((t) => h.discord.responsesTo(opener).some((m) => m.id === t.id)), 30_000, 'thread');
    await h.discord.waitFor(() => h.discord.channelMessages(thread.id).find((m) => m.content.includes('echo: open a thread') && hasButton(m, 'continue')), 60_000, 'first answer');
    await sleep(1500);
    const ledger = new Ledger(h);
    const t0 = Date.now();
    for (let k = 0; k < MESSAGES; k++) {
      ledger.thread(user, thread.id, (t) => `burst ${k + 1} ${t}`, 'burst');
      ledger.pollStore();
      await sleep(Math.max(0, t0 + ((k + 1) * 1000) / MESSAGES - Date.now()));
    }
    const sentIn = Date.now() - t0;
    const { ms, verdicts } = await settle(ledger, 180_000);
    ledger.close();
    const c = count(verdicts);
    problems += c.lost + c.duplicated;
    const unack = verdicts.filter((v) => !v.acknowledged && v.outcome !== 'once' && v.outcome !== 'duplicated').length;
    // How each was answered: its own turn, a follow-up turn answering several, or folded into the running turn.
    const finals = h.discord.channelMessages(thread.id).filter((m) => m.author.id === h.discord.bot.id && hasButton(m, 'continue'));
    let own = 0, joined = 0, folded = 0;
    for (const v of verdicts) {
      const m = finals.find((f) => f.id === v.answers[0]);
      if (!m) continue;
      if (new RegExp(`· steered: [^\\n]*${v.sent.token}`).test(m.content)) folded++;
      else if (answeredTokens(m.content).length > 1) joined++;
      else own++;
    }
    const botPosts = h.discord.channelMessages(thread.id).filter((m) => m.author.id === h.discord.bot.id).length;
    const limited = [...h.discord.limiter.limited.values()].reduce((a, b) => a + b, 0);
    const lostDetail = verdicts.filter((v) => v.outcome === 'lost').map((v) => `${v.sent.token}${v.sent.stored ? ' (stored)' : ''}`).join(', ');
    return [
      `| ${MESSAGES} in ${(sentIn / 1000).toFixed(2)} s | ${c.once} (own turn ${own}, in a joined follow-up ${joined}, folded ${folded}) | ${c.duplicated} | ${c.told} | ${unack} | ${c.lost} | ${ms === null ? '—' : `${(ms / 1000).toFixed(1)} s`} | ${finals.length} final / ${botPosts} posted | ${limited} |`,
      ...(lostDetail ? [`lost: ${lostDetail}`] : []),
      ...(c.told ? [`told: ${reasons(verdicts)}`] : []),
    ];
  } finally {
    await h.close();
  }
}

const head = `bench:burst — ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), node ${process.version}, ${execFileSync('tmux', ['-V'], { encoding: 'utf8' }).trim()}`;
const ONLY = process.env.BURST_ONLY; // 'a' or 'b': one part only
const a = ONLY === 'b' ? [] : [await asks(false), await asks(true)];
const b = ONLY === 'a' ? [] : await messages();
console.log(head);
console.log('');
console.log(`(a) one user, ${ASKS} × /claude ask 0.7 s apart, default limits (THREADS=true, MAX_SESSIONS=10, MAX_SESSIONS_PER_USER=3, MAX_QUEUE=20)`);
console.log('| answers take | answered once | duplicated | failed (⚠️) | refused | lost | first ask → all answered | live processes after | told |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of a) console.log(r);
console.log('');
console.log(`(b) ${MESSAGES} plain messages in one thread within 1 s`);
console.log('| sent | answered once | duplicated | told | unacknowledged | lost | first message → all answered | bot messages in the thread | 429s |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of b) console.log(r);
if (problems > 0) {
  console.log(`\n${problems} message(s) lost or answered more than once`);
  process.exitCode = 1;
}
