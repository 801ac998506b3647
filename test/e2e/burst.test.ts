/**
 * Issue 10, item 5: a burst of plain messages in one thread while Claude answers. Every message
 * must reach Claude Code (folded into the running turn, or answered after it as its own or a joined
 * follow-up turn), every answer must be shown in its final state, and nothing may stay owed. Real
 * tmux, SQLite and `claude`; the fake Discord delivers the messages as MESSAGE_CREATE.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FakeUser } from '../fakes/discord/server.js';
import { Harness, hasButton } from '../helpers/harness.js';

let h: Harness;
let alice: FakeUser;

beforeAll(async () => {
  h = await Harness.create({ slowDelayMs: 40, slowPieces: 25 });
  alice = h.discord.addUser('alice');
  await h.startBot([alice], { THREADS: 'true' });
});
afterAll(async () => h?.close());

it('50 messages in one thread within a second: every one reaches Claude, every answer is final, nothing owed', async () => {
  const i = h.ask(alice, 'SLOW start');
  const thread = (await h.discord.waitFor(() => h.discord.threads().find((t) => h.discord.responsesTo(i).some((m) => m.id === t.id)), 20_000, 'thread')).id;
  await h.discord.waitFor(() => h.discord.channelMessages(thread).some((m) => /\d+ \d+ /.test(m.content)), 20_000, 'streaming');

  const tokens = Array.from({ length: 50 }, (_, k) => `burst-${k}-${Math.random().toString(36).slice(2, 8)}`);
  for (const t of tokens) h.discord.injectMessage({ user: alice, channelId: thread, content: t });

  // Settled: nothing owed in the store, and every bot message in the thread is final (no Stop button, no placeholder).
  await h.discord.waitFor(() => {
    const owed = h.rows('SELECT COUNT(*) AS n FROM turns')[0]!.n;
    const unsettled = h.discord.channelMessages(thread).filter((m) => m.author.id === h.discord.bot.id && (hasButton(m, 'stop') || m.content.startsWith('-# 💭')));
    return owed === 0 && unsettled.length === 0;
  }, 120_000, 'every answer shown and nothing owed').catch((err) => {
    throw new Error(`${err.message}\nowed: ${JSON.stringify(h.rows('SELECT prompt, state, steer_uuid FROM turns'))}\nbot output:\n${h.bot?.output().slice(-3000)}`);
  });

  const sentToApi = JSON.stringify(h.stub.requests.map((r) => r.body.messages));
  const missing = tokens.filter((t) => !sentToApi.includes(t));
  expect(missing).toEqual([]); // every message reached Claude
  const shown = h.discord.channelMessages(thread).filter((m) => m.author.id === h.discord.bot.id).map((m) => m.content).join('\n');
  const notShown = tokens.filter((t) => !shown.includes(t));
  const summarized = [...shown.matchAll(/(\d+) earlier messages/g)].reduce((n, m) => n + Number(m[1]), 0);
  expect(notShown.length).toBeLessThanOrEqual(summarized); // and its fate is visible in the thread (by name, or counted)
  expect(shown).not.toContain('not delivered');
  const audit = h.rows("SELECT COUNT(*) AS n FROM audit_log WHERE kind = 'message' AND result = 'ok'")[0]!.n;
  expect(audit).toBe(50); // each acknowledged (accepted) once
});
