/**
 * THREADS=true (the default) end to end: `/claude ask` opens a thread, plain messages in it drive
 * the session, a message sent while Claude works is steered into the running turn, only the owner
 * (or an admin) reaches Claude, Branch opens a thread of its own, five sessions stream side by
 * side without a 429, and everything lands in the audit log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeUser, StoredMessage } from '../fakes/discord/server.js';
import { INTENT_MESSAGE_CONTENT } from '../fakes/discord/server.js';
import { buttonIds, hasButton, Harness } from '../helpers/harness.js';

let h: Harness;
let alice: FakeUser;
let bob: FakeUser;
let admin: FakeUser;
let mallory: FakeUser;

beforeAll(async () => {
  h = await Harness.create({ slowDelayMs: 100, slowPieces: 30 });
  [alice, bob, admin, mallory] = ['alice', 'bob', 'admin', 'mallory'].map((n) => h.discord.addUser(n)) as [FakeUser, FakeUser, FakeUser, FakeUser];
  await h.startBot([alice, bob], { THREADS: 'true', ADMIN_USER_IDS: admin.id, PERMISSION_MODE: 'bypassPermissions', IS_SANDBOX: '1' });
});

afterAll(async () => {
  await h?.close();
});

/** The bot's messages in a channel (thread) that satisfy `match`. */
const botMessages = (channelId: string) => h.discord.channelMessages(channelId).filter((m) => m.author.id === h.discord.bot.id);
const inThread = (channelId: string, match: (m: StoredMessage) => boolean, what: string) =>
  h.discord.waitFor(() => botMessages(channelId).find(match), 45_000, what).catch((err) => {
    throw new Error(`${err.message}\nthread: ${JSON.stringify(botMessages(channelId).map((m) => m.content))}\nbot output:\n${h.bot?.output().slice(-3000)}`);
  });
const final = (channelId: string, text: string) => inThread(channelId, (m) => m.content.includes(text) && hasButton(m, 'continue'), `final "${text}"`);

async function openThread(user: FakeUser, prompt: string): Promise<string> {
  const i = h.ask(user, prompt);
  await h.reply(i, (m) => m.content.includes('asked Claude Code'), 'thread starter');
  const thread = await h.discord.waitFor(() => h.discord.threads().find((t) => h.discord.responsesTo(i).some((m) => m.id === t.id)), 10_000, 'thread');
  return thread.id;
}

describe('sessions in threads', () => {
  let thread: string;

  it('opens a thread named from the prompt and answers there; asks for the Message Content intent', async () => {
    thread = await openThread(alice, 'explain the build\nin detail');
    const t = h.discord.channels.get(thread)!;
    expect(t).toMatchObject({ type: 11, parent_id: h.discord.channelId, name: 'explain the build in detail' });
    await final(thread, 'echo: explain the build\nin detail (turn 1)');
    expect(botMessages(thread)[0]!.content).toContain('Reply in this thread');
    expect(h.discord.identifyIntents! & INTENT_MESSAGE_CONTENT).toBe(INTENT_MESSAGE_CONTENT);
    expect(h.rows()).toContainEqual(expect.objectContaining({ owner_id: alice.id, channel_id: thread }));
  });

  it('takes plain messages in the thread as the next turn, answered in a reply', async () => {
    h.discord.injectMessage({ user: alice, channelId: thread, content: 'and the tests?' });
    await final(thread, 'echo: and the tests? (turn 2)');
  });

  it('steers a message sent while a tool runs into the running turn, and marks it', async () => {
    h.discord.injectMessage({ user: alice, channelId: thread, content: 'TOOL:sleep 3; echo slept' });
    const running = await inThread(thread, (m) => m.content.includes('🔧 Bash: sleep 3; echo slept') && hasButton(m, 'stop'), 'tool status line');
    expect(running.content).toMatch(/⏱️ \d+ s/);
    h.discord.injectMessage({ user: alice, channelId: thread, content: 'also count the files' });
    const answer = await final(thread, 'ran: slept · steered: also count the files');
    expect(answer.content).toContain('↪️ also count the files · *taken into this turn*');
    expect(answer.content).toContain('-# 🔧 Bash: sleep 3; echo slept');
    expect(h.discord.calls.some((c) => c.method === 'POST' && c.path === `/channels/${thread}/typing`)).toBe(true);
  });

  it('lets only the owner or an admin drive the thread; others are told once and never reach Claude', async () => {
    const before = h.stub.requests.length;
    h.discord.injectMessage({ user: bob, channelId: thread, content: 'hijack' });
    h.discord.injectMessage({ user: bob, channelId: thread, content: 'hijack again' });
    h.discord.injectMessage({ user: mallory, channelId: thread, content: 'let me in' });
    await inThread(thread, (m) => m.content.includes(`<@${alice.id}>'s Claude session`), 'owner refusal');
    await inThread(thread, (m) => m.content.includes(mallory.id) && m.content.includes('ALLOWED_USER_IDS'), 'allowlist refusal');
    await new Promise((r) => setTimeout(r, 500));
    expect(botMessages(thread).filter((m) => m.content.includes("'s Claude session"))).toHaveLength(1); // told once
    expect(h.stub.requests.length).toBe(before);

    h.discord.injectMessage({ user: admin, channelId: thread, content: 'admin here' });
    await final(thread, 'echo: admin here (turn');
  });

  it('branches into a thread of its own with the same history', async () => {
    const last = await final(thread, 'echo: admin here');
    const branchId = buttonIds(last).find((id) => id.startsWith('cdb:branch:'))!;
    const press = h.discord.injectButton({ user: alice, message: last, customId: branchId });
    const done = await h.reply(press, (m) => m.content.includes('Branched into'), 'branch reply');
    const branchThread = /<#(\d+)>/.exec(done.content)![1]!;
    expect(h.discord.channels.get(branchThread)).toMatchObject({ type: 11, parent_id: h.discord.channelId });
    h.discord.injectMessage({ user: alice, channelId: branchThread, content: 'on the branch' });
    const answer = await final(branchThread, 'echo: on the branch (turn');
    expect(Number(/turn (\d+)/.exec(answer.content)![1])).toBeGreaterThanOrEqual(5); // history came along
  });

  it('streams five sessions in one channel side by side without a single 429', async () => {
    const users = Array.from({ length: 5 }, (_, k) => h.discord.addUser(`user${k}`));
    await h.bot!.stop();
    await h.startBot([alice, bob, ...users], { THREADS: 'true', ADMIN_USER_IDS: admin.id, MAX_SESSIONS: '6', MAX_SESSIONS_PER_USER: '2' });
    const limitedBefore = [...h.discord.limiter.limited.values()].reduce((a, b) => a + b, 0);
    const threads = await Promise.all(users.map((u, k) => openThread(u, `SLOW:20 story ${k}`)));
    await Promise.all(threads.map((t, k) => final(t, `story ${k} (turn 1)`)));
    const limitedAfter = [...h.discord.limiter.limited.values()].reduce((a, b) => a + b, 0);
    expect(limitedAfter - limitedBefore).toBe(0);
    for (const t of threads) {
      const edits = h.discord.calls.filter((c) => c.method === 'PATCH' && c.path.startsWith(`/channels/${t}/messages/`));
      // It streamed (more than the final edit), coalescing the answer's 20 pieces into fewer edits;
      // the spacing itself is proven by the fake's rate limits above (no 429), not by wall-clock gaps.
      expect(edits.length).toBeGreaterThan(1);
      expect(edits.length).toBeLessThan(20);
      expect(edits.every((c) => c.status === 200)).toBe(true);
    }
  });

  it('after a bot restart, plain messages in an existing thread still drive its session', async () => {
    h.discord.injectMessage({ user: alice, channelId: thread, content: 'still here?' });
    const answer = await final(thread, 'echo: still here? (turn');
    expect(Number(/turn (\d+)/.exec(answer.content)![1])).toBeGreaterThanOrEqual(5);
  });

  it('answers in the channel, and says why, when the bot may not open threads', async () => {
    h.discord.canCreateThreads = false;
    try {
      const i = h.ask(alice, 'no threads here');
      const answer = await h.final(i, 'echo: no threads here (turn 1)');
      expect(answer.content).toContain('A thread could not be opened here');
      expect(h.discord.channelMessages()).toContainEqual(answer);
    } finally {
      h.discord.canCreateThreads = true;
    }
  });

  it('writes commands, messages and refusals to the audit log', () => {
    const audit = h.rows('SELECT * FROM audit_log ORDER BY id');
    expect(audit).toContainEqual(expect.objectContaining({ user_id: alice.id, kind: 'command', action: 'ask', result: 'ok' }));
    expect(audit).toContainEqual(expect.objectContaining({ user_id: alice.id, kind: 'message', action: 'steer', result: 'ok', channel_id: thread }));
    expect(audit).toContainEqual(expect.objectContaining({ user_id: bob.id, kind: 'message', result: 'refused', detail: 'NOT_SESSION_OWNER' }));
    expect(audit).toContainEqual(expect.objectContaining({ user_id: mallory.id, kind: 'message', result: 'refused', detail: 'NOT_ALLOWED' }));
    expect(audit).toContainEqual(expect.objectContaining({ user_id: alice.id, kind: 'button', action: 'branch', result: 'ok' }));
  });
});

describe('without the Message Content intent', () => {
  it('says how to enable it at start-up, and sessions still work through /claude in threads', async () => {
    const h2 = await Harness.create({}, { messageContentIntent: false });
    try {
      const carol = h2.discord.addUser('carol');
      const bot = await h2.startBot([carol], { THREADS: 'true' });
      await h2.discord.waitFor(() => bot.output().includes('Privileged Gateway Intents'), 10_000, 'the intent help in the log'); // the log comes through a pipe
      expect(h2.discord.identifyIntents! & INTENT_MESSAGE_CONTENT).toBe(0);
      const i = h2.ask(carol, 'hello there');
      const thread = await h2.discord.waitFor(() => h2.discord.threads()[0], 20_000, 'thread');
      await h2.discord.waitFor(() => h2.discord.channelMessages(thread.id).find((m) => m.content.includes('echo: hello there (turn 1)')), 45_000, 'answer');
      expect(h2.discord.channelMessages(thread.id)[0]!.content).toContain('/claude ask');
      void i;
      const inThreadAsk = h2.discord.injectCommand({ user: carol, name: 'claude', subcommand: 'ask', options: { prompt: 'second' }, channelId: thread.id });
      await h2.final(inThreadAsk, 'echo: second (turn 2)');
    } finally {
      await h2.close();
    }
  });
});
