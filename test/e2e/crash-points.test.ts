/**
 * The bot killed (-9) at the instants where a message used to be lost (issue 10): right after a
 * plain thread message was accepted, and right after `/claude ask` opened its thread. Discord is
 * made slow at that instant (the fake holds the request, see `FakeDiscord.holdNext`), the bot is
 * killed, the held request then completes as Discord would have completed it, and the restarted bot
 * must answer every accepted message exactly once. Real tmux, SQLite and `claude`.
 */
import { afterEach, expect, it } from 'vitest';
import type { FakeUser, StoredMessage } from '../fakes/discord/server.js';
import { Harness, hasButton } from '../helpers/harness.js';

let h: Harness;
afterEach(async () => h?.close());

const THREADS = { THREADS: 'true' };
const botIn = (channelId: string) => h.discord.channelMessages(channelId).filter((m) => m.author.id === h.discord.bot.id);
const finals = (channelId: string, text: string) => botIn(channelId).filter((m) => m.content.includes(text) && hasButton(m, 'continue'));
const waitFinal = (channelId: string, text: string): Promise<StoredMessage> =>
  h.discord.waitFor(() => finals(channelId, text)[0], 45_000, `final "${text}"`).catch((err) => {
    throw new Error(`${err.message}\nmessages: ${JSON.stringify(botIn(channelId).map((m) => m.content))}\nbot output:\n${h.bot?.output().slice(-3000)}`);
  });

async function openThread(user: FakeUser, prompt: string): Promise<string> {
  const i = h.ask(user, prompt);
  return (await h.discord.waitFor(() => h.discord.threads().find((t) => h.discord.responsesTo(i).some((m) => m.id === t.id)), 20_000, 'thread')).id;
}

it('killed right after a thread message was accepted: after restart it is answered once, as a reply to it', async () => {
  h = await Harness.create({ slowDelayMs: 50, slowPieces: 10 });
  const alice = h.discord.addUser('alice');
  await h.startBot([alice], THREADS);
  const thread = await openThread(alice, 'first');
  await waitFinal(thread, 'echo: first (turn 1)');

  // The answer's placeholder reply is held: the message is stored, its reply not yet posted.
  const hold = h.discord.holdNext(new RegExp(`^POST /channels/${thread}/messages$`), 1, (c) => c.body?.message_reference !== undefined);
  const msg = h.discord.injectMessage({ user: alice, channelId: thread, content: 'second' });
  await h.discord.waitFor(() => hold.seen > 0, 20_000, 'the reply to be posted');
  expect(h.rows('SELECT prompt FROM turns')).toEqual([{ prompt: 'second' }]); // accepted: stored with where it goes
  await h.bot!.crash();
  hold.release(); // Discord finishes the post the dead bot asked for

  await h.startBot([alice], THREADS);
  const answer = await waitFinal(thread, 'echo: second');
  expect(answer.message_reference?.message_id).toBe(msg.id);
  await new Promise((r) => setTimeout(r, 1500)); // a second copy would be posted by now
  expect(finals(thread, 'echo: second')).toHaveLength(1);
  expect(botIn(thread).filter((m) => m.message_reference?.message_id === msg.id)).toHaveLength(1); // the nonce kept the placeholder single
  await h.discord.waitFor(() => h.rows('SELECT * FROM turns').length === 0, 10_000, 'nothing owed');
});

it('killed right after /claude ask opened its thread: after restart the prompt is answered there once', async () => {
  h = await Harness.create();
  const alice = h.discord.addUser('alice');
  await h.startBot([alice], THREADS);
  // The first message into a new thread (its hint) is held: the thread exists, the prompt is not yet accepted.
  const hold = h.discord.holdNext(/^POST \/channels\/\d+\/messages$/, 1, (c) => String(c.body?.content ?? '').includes('Reply in this thread'));
  const i = h.ask(alice, 'build it');
  await h.discord.waitFor(() => hold.seen > 0, 20_000, 'the thread hint');
  const thread = h.discord.threads().find((t) => h.discord.responsesTo(i).some((m) => m.id === t.id))!;
  expect(thread).toBeDefined();
  expect(h.rows('SELECT kind FROM intents')).toEqual([{ kind: 'thread-ask' }]);
  expect(h.rows('SELECT * FROM turns')).toEqual([]);
  await h.bot!.crash();
  hold.release();

  await h.startBot([alice], THREADS);
  await waitFinal(thread.id, 'echo: build it (turn 1)');
  await new Promise((r) => setTimeout(r, 1500));
  expect(finals(thread.id, 'echo: build it')).toHaveLength(1);
  expect(botIn(thread.id).filter((m) => m.content.includes('Reply in this thread'))).toHaveLength(1);
  expect(h.rows('SELECT * FROM intents')).toEqual([]);
  expect(h.stub.requests.filter((r) => JSON.stringify(r.body.messages).includes('build it'))).toHaveLength(1);
});

it('killed before the thread could be opened, and it cannot be opened after: the user is told plainly the prompt was not taken', async () => {
  h = await Harness.create();
  const alice = h.discord.addUser('alice');
  await h.startBot([alice], THREADS);
  const threads = /^POST \/channels\/\d+\/messages\/\d+\/threads$/;
  const hold = h.discord.holdNext(threads);
  h.ask(alice, 'never seen');
  await h.discord.waitFor(() => hold.seen > 0, 20_000, 'the thread to be opened');
  await h.bot!.crash();
  hold.release({ status: 500, code: 0, message: '500: Internal Server Error' }); // the thread was never made
  h.discord.failNext(threads, 1, { status: 403, code: 50013, message: 'Missing Permissions' }); // nor can it be now

  await h.startBot([alice], THREADS);
  await h.discord.waitFor(() => h.rows('SELECT * FROM intents').length === 0, 20_000, 'the intent to be settled');
  const told = await h.discord.waitFor(() => h.discord.channelMessages().find((m) => m.content.includes('restarted before your prompt could be taken')), 10_000, 'told');
  expect(told.content).toContain(`<@${alice.id}>`);
  expect(told.content).toContain('never seen');
  expect(h.stub.requests.filter((r) => JSON.stringify(r.body.messages).includes('never seen'))).toHaveLength(0);
  expect(h.rows('SELECT * FROM turns')).toEqual([]);
});

it('messages sent to a thread while the bot was down are taken at start-up, in order, each answered once', async () => {
  h = await Harness.create();
  const alice = h.discord.addUser('alice');
  await h.startBot([alice], THREADS);
  const thread = await openThread(alice, 'before');
  await waitFinal(thread, 'echo: before (turn 1)');
  await h.bot!.crash();
  // Discord keeps them; no gateway session receives them (the bot is down).
  const sent = ['while down one', 'while down two', 'while down three'].map((content) => h.discord.injectMessage({ user: alice, channelId: thread, content }));

  await h.startBot([alice], THREADS);
  // Each is answered once: on its own, or — as messages sent while Claude works are — steered into
  // the running answer and answered with it (its text in the answer, not only in a ↪️ line).
  const answered = (text: string) => finals(thread, 'echo:').filter((m) => m.content.split('\n').some((l) => !l.startsWith('>') && l.includes(text)));
  await h.discord.waitFor(() => sent.every((m) => answered(m.content).length > 0), 45_000, 'every message answered').catch((err) => {
    throw new Error(`${err.message}\nmessages: ${JSON.stringify(botIn(thread).map((m) => m.content))}`);
  });
  await new Promise((r) => setTimeout(r, 1500)); // a second copy would be posted by now
  for (const m of sent) expect(answered(m.content)).toHaveLength(1);
  expect(answered(sent[0]!.content)[0]!.message_reference?.message_id).toBe(sent[0]!.id); // the first, as a reply to it
  const asked = h.stub.requests.map((r) => JSON.stringify(r.body.messages));
  const firstAsked = sent.map((m) => asked.findIndex((a) => a.includes(m.content)));
  expect(firstAsked.every((i) => i >= 0)).toBe(true);
  expect(firstAsked).toEqual([...firstAsked].sort((a, b) => a - b)); // taken in the order they were sent
});
