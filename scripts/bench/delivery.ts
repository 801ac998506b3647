/**
 * Shared by `bench:soak` and `bench:burst`: a ledger of every message sent to the bot (each carries
 * a unique token, `k00042q`) and the rule that decides, from what the fake Discord holds, whether
 * each was answered, answered more than once, told it was not taken, or lost.
 *
 * Answered: a final answer message of the bot (it carries the answer buttons, `cdb:continue:`) shows
 * Claude's answer to the message. With the Anthropic stub that is the token inside the stub's echo
 * (`echo: <prompt> (turn N)`: the prompt of that turn, which for a follow-up turn is the messages
 * sent while Claude worked, joined by newlines) or inside its steering marker (`· steered: <text>`:
 * the message was folded into the running turn, whose final answer also lists it as
 * `↪️ <text> · *taken into this turn*`). A `↪️ … · *answered next*` line alone is not an answer: it
 * says one follows. Each distinct final message counts once.
 *
 * Told not taken: the bot said plainly, about this message, that it was not taken or failed — the
 * start-up notice "the bot restarted before your prompt could be taken" naming it, a `↪️` line
 * "not delivered … send it again" naming it, a `⚠️` final answer or `⚠️` reply to it (e.g. "Claude
 * Code stopped unexpectedly"), a refusal in its interaction's reply — or, for an interaction the bot
 * never acknowledged, Discord's own "The application did not respond".
 *
 * Lost: neither. Stored = its token was seen in the store's `turns` or `intents` (accepted).
 */
import Database from 'better-sqlite3';
import type { FakeUser, Interaction, StoredMessage } from '../../test/fakes/discord/server.js';
import { hasButton, type Harness } from '../../test/helpers/harness.js';

export type Outcome = 'once' | 'duplicated' | 'told' | 'lost';

export interface Sent {
  token: string;
  kind: 'thread' | 'ask';
  /** The scenario that sent it. */
  label: string;
  round: number;
  sentAt: number;
  channelId: string;
  /** The user's message (thread messages). */
  messageId?: string;
  interaction?: Interaction;
  /** Its token was seen in `turns` or `intents`. */
  stored: boolean;
  /** When it was first seen answered (epoch ms). */
  answeredAt?: number;
}

export interface Verdict {
  sent: Sent;
  outcome: Outcome;
  /** Ids of the final messages that answer it. */
  answers: string[];
  /** Why it counts as told, when it does. */
  told: string | null;
  /** The bot showed something about it (a reply to it, or its text). */
  acknowledged: boolean;
}

const TOKEN = /k\d{5}q/g;
const NOT_TAKEN = ['restarted before your prompt could be taken', 'not delivered: the process ended first'];

const tokensIn = (s: string): string[] => s.match(TOKEN) ?? [];

/** The tokens a final answer message answers: those in the stub's echo and steering marker. */
export function answeredTokens(content: string): string[] {
  const out: string[] = [];
  for (const m of content.matchAll(/echo: ([\s\S]*?) \(turn \d+\)/g)) out.push(...tokensIn(m[1]!));
  for (const m of content.matchAll(/· steered: ([^\n]*?)(?= · steered: |\n|$)/g)) out.push(...tokensIn(m[1]!));
  return out;
}

export class Ledger {
  readonly sent: Sent[] = [];
  private n = 0;
  private db: Database.Database | null = null;

  constructor(private readonly h: Harness) {}

  private token(): string {
    return `k${String(++this.n).padStart(5, '0')}q`;
  }

  /** A plain message in a thread; `text` builds its content around the token. */
  thread(user: FakeUser, channelId: string, text: (token: string) => string, label: string, round = 0): Sent {
    const token = this.token();
    const m = this.h.discord.injectMessage({ user, channelId, content: text(token) });
    const s: Sent = { token, kind: 'thread', label, round, sentAt: Date.now(), channelId, messageId: m.id, stored: false };
    this.sent.push(s);
    return s;
  }

  /** `/claude ask` in the text channel. */
  ask(user: FakeUser, prompt: (token: string) => string, label: string, round = 0): Sent {
    const token = this.token();
    const i = this.h.ask(user, prompt(token));
    const s: Sent = { token, kind: 'ask', label, round, sentAt: Date.now(), channelId: this.h.discord.channelId, interaction: i, stored: false };
    this.sent.push(s);
    return s;
  }

  /** Reads the store once: marks tokens found in `turns`/`intents` as stored; returns those in `turns` now. */
  pollStore(): Set<string> {
    const now = new Set<string>();
    try {
      this.db ??= new Database(this.h.dbPath, { readonly: true, fileMustExist: true });
      const rows = this.db.prepare('SELECT prompt AS t FROM turns UNION ALL SELECT payload AS t FROM intents').all() as Array<{ t: string }>;
      for (const r of rows) for (const t of tokensIn(r.t)) now.add(t);
    } catch {
      this.db?.close();
      this.db = null; // not created yet, or busy: next time
    }
    if (now.size > 0) for (const s of this.sent) if (now.has(s.token)) s.stored = true;
    return now;
  }

  /** Owed rows right now: turns and intents. */
  owed(): { turns: number; intents: number } {
    try {
      this.db ??= new Database(this.h.dbPath, { readonly: true, fileMustExist: true });
      const q = (sql: string) => (this.db!.prepare(sql).get() as { n: number }).n;
      return { turns: q('SELECT COUNT(*) AS n FROM turns'), intents: q('SELECT COUNT(*) AS n FROM intents') };
    } catch {
      this.db?.close();
      this.db = null;
      return { turns: -1, intents: -1 };
    }
  }

  /** Every sent message judged against what Discord holds now (only `subset` when given). */
  verdicts(subset: readonly Sent[] = this.sent): Verdict[] {
    const d = this.h.discord;
    const botMsgs = [...d.messages.values()].filter((m) => m.author.id === d.bot.id || m.interactionToken !== undefined);
    const answers = new Map<string, Set<string>>();
    const told = new Map<string, string>();
    const mentioned = new Set<string>();
    const repliesTo = new Map<string, StoredMessage[]>();
    const byChannel = new Map<string, StoredMessage[]>();
    for (const m of botMsgs) {
      const final = hasButton(m, 'continue');
      if (final) for (const t of answeredTokens(m.content)) (answers.get(t) ?? answers.set(t, new Set()).get(t)!).add(m.id);
      for (const t of tokensIn(m.content)) {
        mentioned.add(t);
        for (const line of m.content.split('\n')) if (line.includes(t) && NOT_TAKEN.some((p) => line.includes(p))) told.set(t, NOT_TAKEN.find((p) => line.includes(p))!);
      }
      const ref = m.message_reference?.message_id;
      if (ref) (repliesTo.get(ref) ?? repliesTo.set(ref, []).get(ref)!).push(m);
      (byChannel.get(m.channel_id) ?? byChannel.set(m.channel_id, []).get(m.channel_id)!).push(m);
    }
    const failed = (m: StoredMessage) => m.content.includes('⚠️') && answeredTokens(m.content).length === 0 && !hasButton(m, 'stop')
      && !NOT_TAKEN.some((p) => m.content.includes(p));
    return subset.map((s) => {
      const ids = [...(answers.get(s.token) ?? [])];
      let why = told.get(s.token) ?? null;
      let acknowledged = mentioned.has(s.token);
      if (s.kind === 'thread' && s.messageId) {
        const replies = repliesTo.get(s.messageId) ?? [];
        if (replies.length > 0) acknowledged = true;
        const f = replies.find(failed);
        if (!why && f) why = `⚠️ reply: ${oneLine(f.content)}`;
      }
      if (s.kind === 'ask' && s.interaction) {
        const i = d.interactions.get(s.interaction.token) ?? s.interaction;
        const responses = d.responsesTo(i);
        if (responses.length > 0) acknowledged = true;
        const f = responses.find(failed) ?? responses.flatMap((r) => byChannel.get(r.id) ?? []).find((m) => hasButton(m, 'continue') && failed(m));
        if (!why && f) why = `⚠️ ${oneLine(f.content)}`;
        if (!why && !i.acked && Date.now() - i.createdAt > 3000) why = 'never acknowledged: Discord shows "The application did not respond"';
      }
      if (ids.length > 0 && s.answeredAt === undefined) s.answeredAt = Date.now();
      const outcome: Outcome = ids.length > 1 ? 'duplicated' : ids.length === 1 ? 'once' : why ? 'told' : 'lost';
      return { sent: s, outcome, answers: ids, told: why, acknowledged };
    });
  }

  close(): void {
    this.db?.close();
    this.db = null;
  }
}

export function count(vs: readonly Verdict[]): Record<Outcome, number> {
  const c: Record<Outcome, number> = { once: 0, duplicated: 0, told: 0, lost: 0 };
  for (const v of vs) c[v.outcome]++;
  return c;
}

export function oneLine(s: string, max = 140): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
