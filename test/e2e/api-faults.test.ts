/**
 * Faults on both sides, end to end with the real `claude` CLI (2.1.330, bundled by the Agent SDK):
 * - Anthropic (the stub's fault prompts): 529 overloaded N times then an answer, a stream reset
 *   mid-answer, a malformed SSE event, 401 on every request. What the CLI prints for each is in
 *   `test/unit/fixtures/cli-2.1.330/` (system/api_retry lines; `abandoned_blocks` on the broken
 *   message's `message_stop`; a synthetic `assistant` with `error: "authentication_failed"`).
 * - Discord (the fake's `failNext`): the final edit answered `500 {"message":"500: Internal Server
 *   Error","code":0}` more often than discord.js retries by itself (3, `@discordjs/rest` default), as
 *   Discord does in an incident; and the answer message deleted while it streams, so the final edit
 *   gets `404 {"message":"Unknown Message","code":10008}` (API docs, "JSON Error Codes").
 * CLAUDE_CODE_MAX_RETRIES=4 keeps the CLI's own retries short (its default is 10, over minutes for a 401).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PARTIAL_ATTEMPT } from '../fakes/anthropic-stub.js';
import type { FakeUser, RestCall } from '../fakes/discord/server.js';
import { hasButton, Harness } from '../helpers/harness.js';

let h: Harness;
let alice: FakeUser;

beforeAll(async () => {
  h = await Harness.create();
  alice = h.discord.addUser('alice');
  await h.startBot([alice], { CLAUDE_CODE_MAX_RETRIES: '4' });
});
afterAll(async () => h?.close());

/** Contents of the bot's edits of an interaction's reply, in order. */
const editsOf = (token: string) => h.discord.calls.filter((c) => c.method === 'PATCH' && c.path.includes(token)).map((c) => String(c.body?.content ?? ''));
const isFinal = (call: RestCall) => !JSON.stringify(call.body?.components ?? []).includes('cdb:stop:');

describe('Claude API faults are visible, and only the final answer is shown', () => {
  it('529 overloaded three times: the status line says so, then the answer alone', async () => {
    const i = h.ask(alice, 'busy OVERLOADED:3');
    const final = await h.final(i, 'echo: busy OVERLOADED:3 (turn 1)');
    expect(editsOf(i.token).some((c) => /Claude's API is overloaded — retry \d+ (in \d+ s|now)/.test(c))).toBe(true);
    expect(final.content).not.toContain('overloaded');
    expect(final.content).not.toContain('⚠️');
  });

  it('a stream reset mid-answer: the final answer is not preceded by the broken attempt', async () => {
    const i = h.ask(alice, 'story RESET');
    const final = await h.final(i, 'echo: story RESET (turn');
    expect(final.content).not.toContain(PARTIAL_ATTEMPT);
    expect(final.content).toMatch(/^echo: story RESET \(turn \d+\)\n-# /); // the answer, then the stats footer
  });

  it('a malformed SSE event mid-answer: the same', async () => {
    const i = h.ask(alice, 'story MALFORMED');
    const final = await h.final(i, 'echo: story MALFORMED (turn');
    expect(final.content).not.toContain(PARTIAL_ATTEMPT);
    expect(final.content).toMatch(/^echo: story MALFORMED \(turn \d+\)\n-# /);
  });

  it('401 invalid key: the user reads how to log in, not the CLI\'s text', async () => {
    const i = h.ask(alice, 'hello UNAUTHORIZED');
    const final = await h.reply(i, (m) => m.content.includes('⚠️') && !hasButton(m, 'stop'), 'failed turn', 60_000);
    expect(final.content).toContain("Claude's API refused the bot's credentials");
    expect(final.content).toContain('npm run login');
    expect(final.content).not.toMatch(/Invalid API key|reported an error|success/);
    // The raw text is in the log (which reaches this process through a pipe: wait for it).
    await h.discord.waitFor(() => h.bot!.output().includes('Invalid API key'), 10_000, "the CLI's text in the log");
  });
});

describe('Discord faults: the final state still lands', () => {
  it('the final edit answered 500 eight times (two rounds of discord.js retries) is retried until it lands', async () => {
    const fault = h.discord.failNext(/^PATCH \/webhooks\/\d+\/[^/]+\/messages\/%40original$/, 8, { when: isFinal });
    const i = h.ask(alice, 'flaky discord');
    const final = await h.final(i, 'echo: flaky discord (turn');
    expect(fault.times).toBe(0);
    const finals = h.discord.calls.filter((c) => c.method === 'PATCH' && c.path.includes(i.token) && isFinal(c)).map((c) => c.status);
    expect(finals).toEqual([...Array(8).fill(500), 200]);
    expect(hasButton(final, 'continue')).toBe(true);
    expect(h.discord.responsesTo(i)).toHaveLength(1);
  });

  it('the acknowledgement refused (404 Unknown interaction, as after the 3 s window): the ask is answered once, in the channel', async () => {
    // The bot acknowledges and accepts the message at the same time (src/discord/operations/answer.ts),
    // so an acknowledgement that fails must not leave an accepted message unanswered.
    const fault = h.discord.failNext(/^POST \/interactions\/\d+\/[^/]+\/callback$/, 1, { status: 404, code: 10062, message: 'Unknown interaction' });
    const i = h.ask(alice, 'late acknowledgement');
    const answered = () => h.discord.channelMessages().filter((m) => m.author.id === h.discord.bot.id && m.content.includes('echo: late acknowledgement (turn'));
    await h.discord.waitFor(() => answered().find((m) => hasButton(m, 'continue')), 45_000, 'the answer in the channel');
    expect(fault.times).toBe(0);
    expect(answered()).toHaveLength(1);
    expect(h.discord.responsesTo(i)).toEqual([]); // no error told: the message was taken
  });

  it('the answer message deleted while it streams: the final answer comes as a new message', async () => {
    const i = h.ask(alice, 'SLOW:15 vanishing');
    const streaming = await h.reply(i, (m) => /\d+ \d+ /.test(m.content) && hasButton(m, 'stop'), 'streaming text');
    h.discord.messages.delete(streaming.id); // as a moderator deleting it would
    const final = await h.final(i, 'echo: SLOW:15 vanishing (turn');
    expect(final.id).not.toBe(streaming.id);
    expect(hasButton(final, 'continue')).toBe(true);
    expect(h.discord.calls.some((c) => c.method === 'PATCH' && c.path.includes(i.token) && c.status === 404)).toBe(true);
  });
});

describe('Discord faults in a thread (answers as channel messages)', () => {
  beforeAll(async () => {
    await h.bot!.stop();
    await h.startBot([alice], { CLAUDE_CODE_MAX_RETRIES: '4', THREADS: 'true' });
  });

  it('a follow-up chunk whose POST failed after Discord created it is not posted twice (nonce + enforce_nonce)', async () => {
    const prompt = Array.from({ length: 60 }, (_, k) => `line ${k} of a prompt long enough to need two messages`).join('\n');
    const fault = h.discord.failNext(/^POST \/channels\/\d+\/messages$/, 4, { afterEffect: true, when: (c) => c.body?.enforce_nonce === true });
    const i = h.ask(alice, prompt);
    const thread = await h.discord.waitFor(() => h.discord.threads().find((t) => h.discord.responsesTo(i).some((m) => m.id === t.id)), 15_000, 'thread');
    const bot = () => h.discord.channelMessages(thread.id).filter((m) => m.author.id === h.discord.bot.id);
    await h.discord.waitFor(() => bot().find((m) => m.content.includes('line 59 of') && hasButton(m, 'continue')), 45_000, 'last chunk');
    expect(fault.times).toBe(0);
    expect(bot().filter((m) => m.content.includes('line 59 of'))).toHaveLength(1);
    expect(bot().filter((m) => m.content.includes('line 0 of'))).toHaveLength(1);
  });
});
