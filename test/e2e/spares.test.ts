/**
 * Issue 13, item 1, with the real bot, tmux, SQLite and `claude`: a spare process (SPARE_PROCESSES)
 * answers a new session's first turn and is replaced; spares are not kept across a restart; and a
 * suspended session resumes while its owner types in its thread (TYPING_START), before the message.
 */
import { afterEach, expect, it } from 'vitest';
import type { StoredMessage } from '../fakes/discord/server.js';
import { Harness, hasButton } from '../helpers/harness.js';

let h: Harness | null = null;
afterEach(async () => { await h?.close(); h = null; });

const bridgeSessions = (rig: Harness) => rig.tmuxSessions().filter((s) => s.startsWith('cdb-') && s !== 'cdb-keeper');

it('a new session takes the spare process; another spare starts; after a restart only fresh spares are left', async () => {
  h = await Harness.create();
  const rig = h;
  const alice = rig.discord.addUser('alice');
  await rig.startBot([alice], { SPARE_PROCESSES: '1' });
  const [spare] = await rig.discord.waitFor(() => (bridgeSessions(rig).length === 1 ? bridgeSessions(rig) : null), 30_000, 'a spare process');
  // Claimable once its start has completed (the tmux session exists a moment before): the bot logs it.
  await rig.discord.waitFor(() => rig.bot!.output().includes('spare process started'), 30_000, 'the spare ready');

  await rig.final(rig.ask(alice, 'first'), 'echo: first (turn 1)');
  const [row] = rig.rows();
  expect(`cdb-${row!.id}`).toBe(spare); // the session's process is the spare
  const next = await rig.discord.waitFor(() => bridgeSessions(rig).find((s) => s !== spare), 30_000, 'the next spare');

  expect(await rig.bot!.stop()).toBe(0); // tmux keeps the session's claude; the spare is ended
  expect(bridgeSessions(rig)).toEqual([spare]);
  await rig.startBot([alice], { SPARE_PROCESSES: '1' });
  await rig.final(rig.ask(alice, 'second'), 'echo: second (turn 2)'); // same conversation, same process
  expect(bridgeSessions(rig)).toContain(spare);
  const fresh = await rig.discord.waitFor(() => bridgeSessions(rig).find((s) => s !== spare), 30_000, 'a fresh spare');
  expect(fresh).not.toBe(next);
  expect(bridgeSessions(rig)).toHaveLength(2);
});

it('typing in a suspended session\'s thread starts its process before the message; others\' typing does not', async () => {
  h = await Harness.create();
  const rig = h;
  const [alice, bob] = [rig.discord.addUser('alice'), rig.discord.addUser('bob')];
  await rig.startBot([alice, bob], { THREADS: 'true' });
  const i = rig.ask(alice, 'one');
  const thread = await rig.discord.waitFor(() => rig.discord.threads().find((t) => rig.discord.responsesTo(i).some((m) => m.id === t.id)), 20_000, 'thread');
  const answer = (text: string) => rig.discord.waitFor(() => rig.discord.channelMessages(thread.id)
    .find((m: StoredMessage) => m.author.id === rig.discord.bot.id && m.content.includes(text) && hasButton(m, 'continue')), 45_000, text);
  await answer('echo: one (turn 1)');
  const id = String(rig.rows()[0]!.id);
  expect((await rig.cli('sessions', 'suspend', id)).stdout).toContain('session suspended (resumable)');
  expect(bridgeSessions(rig)).toEqual([]);

  rig.discord.injectTyping({ user: bob, channelId: thread.id }); // not the owner: nothing starts
  rig.discord.injectTyping({ user: alice, channelId: thread.id });
  await rig.discord.waitFor(() => rig.rows()[0]!.state === 'idle' && bridgeSessions(rig).includes(`cdb-${id}`), 30_000, 'process started while typing');
  expect(rig.rows()[0]!.backend).toBe('tmux');
  // The bot's log reaches this process through a pipe: wait for the line rather than expect it at once.
  await rig.discord.waitFor(() => rig.bot!.output().includes('process started ahead of a message'), 10_000, 'the log line');
  expect(rig.bot!.output().match(/process started ahead of a message/g)).toHaveLength(1);

  rig.discord.injectMessage({ user: alice, channelId: thread.id, content: 'two' });
  await answer('echo: two (turn 2)'); // resumed: the conversation's context is there
  expect(rig.rows()[0]!.state).toBe('idle');
});
