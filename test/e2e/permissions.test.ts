/**
 * Issue 5 (permission prompts), end to end: the stub asks for a Bash tool call, the real CLI asks
 * the bot for permission over stream-json, the bot asks the owner in Discord.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeUser, StoredMessage } from '../fakes/discord/server.js';
import { Harness, buttonIds } from '../helpers/harness.js';

let h: Harness;
let alice: FakeUser;
let mallory: FakeUser;

beforeAll(async () => {
  ({ h, users: [alice, mallory] } = await Harness.withBot(['alice', 'mallory']) as { h: Harness; users: [FakeUser, FakeUser] });
});
afterAll(async () => h?.close());

const file = (name: string) => path.join(h.cenv.workDir, name);
const PROMPT = 'Claude wants to use **Bash**';
/** How many prompts the bot has posted (an answered prompt's text is replaced, so count the posts). */
const posted = () => h.discord.calls.filter((c) => c.method === 'POST' && c.status === 200 && /^\/channels\/\d+\/messages$/.test(c.path) && String(c.body?.content).includes(PROMPT)).length;
const waiting = () => h.discord.channelMessages().filter((m) => m.content.includes(PROMPT) && m.components.length > 0).at(-1);
const newPrompt = (seen: number) => h.discord.waitFor(() => posted() > seen && waiting(), 30_000, 'permission prompt');
const press = (user: FakeUser, m: StoredMessage, action: string) =>
  h.discord.injectButton({ user, message: m, customId: buttonIds(m).find((id) => id.startsWith(`cdb:${action}:`))! });

describe('permission prompts', () => {
  it('Allow runs the tool; only the owner may answer', async () => {
    const seen = posted();
    const ask = h.ask(alice, `TOOL:touch ${file('allowed.txt')} && echo made`);
    const prompt = await newPrompt(seen);
    expect(prompt.content).toContain(`<@${alice.id}>`);
    expect(prompt.content).toContain(`touch ${file('allowed.txt')}`);
    const refusal = await h.reply(press(mallory, prompt, 'allow'), () => true, 'refusal', 10_000);
    expect(refusal.content).toBe('Only the person who started this session can do that.');
    expect(fs.existsSync(file('allowed.txt'))).toBe(false);
    press(alice, prompt, 'allow');
    await h.final(ask, 'ran: made');
    expect(fs.existsSync(file('allowed.txt'))).toBe(true);
    expect(h.discord.messages.get(prompt.id)!.content).toMatch(/^✅ Allowed: \*\*Bash\*\*, by <@/);
    expect(h.discord.messages.get(prompt.id)!.components).toEqual([]);
  });

  it('Deny does not run it, and Claude is told', async () => {
    const seen = posted();
    const ask = h.ask(alice, `TOOL:touch ${file('denied.txt')}`);
    press(alice, await newPrompt(seen), 'deny');
    await h.final(ask, 'ran: [error] The user denied this from Discord.');
    expect(fs.existsSync(file('denied.txt'))).toBe(false);
    const audit = h.rows("SELECT user_id, action, result, detail FROM audit_log WHERE kind = 'permission' ORDER BY id");
    expect(audit).toEqual([
      { user_id: mallory.id, action: 'allow', result: 'refused', detail: 'NOT_SESSION_OWNER' },
      { user_id: alice.id, action: 'allow', result: 'ok', detail: 'Bash: allow' },
      { user_id: alice.id, action: 'deny', result: 'ok', detail: 'Bash: deny' },
    ]);
  });

  it('Always allow answers this request and every later one of that tool in the session', async () => {
    const seen = posted();
    const first = h.ask(alice, `TOOL:touch ${file('always1.txt')} && echo one`);
    press(alice, await newPrompt(seen), 'always');
    await h.final(first, 'ran: one');
    await h.final(h.ask(alice, `TOOL:touch ${file('always2.txt')} && echo two`), 'ran: two');
    expect(posted()).toBe(seen + 1); // no second prompt
    expect(fs.existsSync(file('always2.txt'))).toBe(true);
    expect(h.rows()[0]!.always_allow).toBe('["Bash"]');
  });

  it('a prompt pending when the bot crashes is asked again after the restart, and the answer lands', async () => {
    await h.final(h.ask(mallory, 'hello'), 'echo: hello'); // mallory's session has no always-allow
    const seen = posted();
    const ask = h.ask(mallory, `TOOL:touch ${file('after-restart.txt')} && echo survived`);
    await newPrompt(seen);
    await h.bot!.crash();
    await h.startBot([alice, mallory]);
    const again = await newPrompt(seen + 1);
    press(mallory, again, 'allow');
    const answer = await h.final(ask, 'ran: survived'); // finished in the original reply message
    expect(h.discord.responsesTo(ask).map((m) => m.id)).toContain(answer.id);
    expect(fs.existsSync(file('after-restart.txt'))).toBe(true);
  });

  it('an unanswered prompt is denied after PERMISSION_TIMEOUT, and everyone is told', async () => {
    await h.bot!.stop();
    await h.startBot([alice, mallory], { PERMISSION_TIMEOUT: '2' });
    const seen = posted();
    const ask = h.ask(mallory, `TOOL:touch ${file('late.txt')}`);
    await h.discord.waitFor(() => posted() > seen, 30_000, 'permission prompt');
    const answer = await h.final(ask, 'ran: [error] Nobody answered the permission request within 2 s, so it was denied.');
    expect(answer.content).toContain('Nobody answered whether Claude may use Bash');
    // The prompt says so — also when the request timed out before its prompt was posted (the
    // channel's 5 messages / 5 s can hold the post longer than 2 s): then it is posted as denied.
    // Its edit may wait on the same rate limit, which discord.js respects.
    const denied = await h.discord.waitFor(() => h.discord.channelMessages().find((m) => m.content === '⌛ Denied: **Bash** — nobody answered in time'), 10_000, 'prompt marked timed out');
    expect(denied.components).toEqual([]);
    expect(fs.existsSync(file('late.txt'))).toBe(false);
  });
});
