/**
 * Issue 10, items 8 and 9: with the bot running, `claude-bridge sessions suspend|kill [--all]` go
 * through the bot (its control socket) and act at once; and under THREADS, `/claude resume` moves
 * the session into a thread where the next message continues the resumed conversation.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FakeUser, StoredMessage } from '../fakes/discord/server.js';
import { Harness, hasButton } from '../helpers/harness.js';

let h: Harness;
let alice: FakeUser;

const inThread = (channelId: string, match: (m: StoredMessage) => boolean, what: string) =>
  h.discord.waitFor(() => h.discord.channelMessages(channelId).find((m) => m.author.id === h.discord.bot.id && match(m)), 45_000, what);

beforeAll(async () => {
  h = await Harness.create();
  alice = h.discord.addUser('alice');
  await h.startBot([alice], { THREADS: 'true' });
});
afterAll(async () => h?.close());

async function askInThread(prompt: string): Promise<string> {
  const i = h.ask(alice, prompt);
  const thread = await h.discord.waitFor(() => h.discord.threads().find((t) => h.discord.responsesTo(i).some((m) => m.id === t.id)), 20_000, 'thread');
  await inThread(thread.id, (m) => m.content.includes(`echo: ${prompt}`) && hasButton(m, 'continue'), 'answer');
  return thread.id;
}

it('sessions suspend and kill go through the running bot and take effect at once', async () => {
  await askInThread('one');
  const [row] = h.rows();
  expect(row).toMatchObject({ state: 'idle', backend: 'tmux' });

  const suspended = await h.cli('sessions', 'suspend', String(row!.id));
  expect(suspended.stdout).toContain('session suspended (resumable)');
  expect(suspended.stdout).not.toContain('no bot running');
  expect(h.rows()[0]).toMatchObject({ state: 'suspended', backend: null }); // written by the bot's own loop
  expect(h.tmuxSessions().filter((s) => s === `cdb-${row!.id}`)).toEqual([]);

  await askInThread('two');
  const all = await h.cli('sessions', 'kill', '--all');
  expect(all.stdout).toMatch(/^stopped \d+ sessions/);
  expect(h.rows().map((r) => [r.state, r.backend])).toEqual([['suspended', null], ['stopped', null]]); // the live one stopped
  expect(h.tmuxSessions().filter((s) => s.startsWith('cdb-') && s !== 'cdb-keeper')).toEqual([]);
});

it('/claude resume in the channel opens a thread for the session, and the next message there continues it', async () => {
  const first = await askInThread('remember the word tangerine');
  const claudeId = String(h.rows(`SELECT claude_session_id FROM sessions WHERE channel_id = '${first}'`)[0]!.claude_session_id);
  const i = h.discord.injectCommand({ user: alice, name: 'claude', subcommand: 'resume', options: { session: claudeId } });
  const reply = await h.reply(i, (m) => m.content.includes('Resumed'), 'resume reply');
  expect(reply.flags & 64).toBe(64);
  const thread = /<#(\d+)>/.exec(reply.content)?.[1];
  expect(thread).toBe(first); // its own thread is still there: reused
  h.discord.injectMessage({ user: alice, channelId: first, content: 'and now?' });
  const answer = await inThread(first, (m) => m.content.includes('echo: and now?') && hasButton(m, 'continue'), 'continued');
  expect(answer.content).toContain('(turn 2)'); // the stub saw the first turn: context carried over
});
