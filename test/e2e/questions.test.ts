/**
 * Issue 11, item 1 (Claude's questions), end to end: the stub asks with `AskUserQuestion`, the real
 * CLI sends the `can_use_tool` request, the bot posts each question in Discord, the owner answers
 * with a button, a menu or "Other…" (a modal), and the stub's next answer (`ran: <tool result>`)
 * shows what reached Claude.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeUser, Interaction, StoredMessage } from '../fakes/discord/server.js';
import { Harness, buttonIds } from '../helpers/harness.js';

let h: Harness;
let alice: FakeUser;
let mallory: FakeUser;
let carol: FakeUser;

beforeAll(async () => {
  ({ h, users: [alice, mallory, carol] } = await Harness.withBot(['alice', 'mallory', 'carol']) as { h: Harness; users: [FakeUser, FakeUser, FakeUser] });
});
afterAll(async () => h?.close());

type Q = { question: string; header: string; options: string[]; multiSelect?: boolean };
const ask = (user: FakeUser, questions: Q[]) => h.ask(user, `USE:AskUserQuestion ${JSON.stringify({
  questions: questions.map((q) => ({ ...q, multiSelect: q.multiSelect ?? false, options: q.options.map((label) => ({ label, description: `${label} it is` })) })),
})}`);
/** How many times a message asking `question` was posted (an answered one's text is replaced, so count posts). */
const posts = (question: string) => h.discord.calls.filter((c) => c.method === 'POST' && c.status === 200 && /^\/channels\/\d+\/messages$/.test(c.path) && String(c.body?.content).includes(question)).length;
const open = (question: string) => h.discord.channelMessages().filter((m) => m.content.includes(question) && m.components.length > 0).at(-1);
const waitOpen = (question: string, seen = 0) => h.discord.waitFor(() => posts(question) > seen && open(question), 30_000, `question "${question}"`);
const id = (m: StoredMessage, prefix: string) => buttonIds(m).find((x) => x.startsWith(prefix)) ?? (m.components as Array<{ components: Array<{ custom_id?: string }> }>)
  .flatMap((r) => r.components).map((c) => c.custom_id ?? '').find((x) => x.startsWith(prefix))!;
const press = (user: FakeUser, m: StoredMessage, prefix: string) => h.discord.injectButton({ user, message: m, customId: id(m, prefix) });
const pick = (user: FakeUser, m: StoredMessage, option: number) =>
  h.discord.injectButton({ user, message: m, customId: buttonIds(m).find((b) => b.startsWith('cdb:qpick:') && b.endsWith(`.${option}`))! });
const modalOf = (i: Interaction) => h.discord.waitFor(() => i.modal, 10_000, 'modal');

describe('questions', () => {
  it('a question is answered with a button; a stranger\'s click is refused; the message shows the choice', async () => {
    const turn = ask(alice, [{ question: 'Which color?', header: 'Color', options: ['Red', 'Blue'] }]);
    const q = await waitOpen('Which color?');
    expect(q.content).toContain(`<@${alice.id}>`);
    expect(q.content).toContain('**Blue** — Blue it is');
    expect(buttonIds(q).filter((b) => b.startsWith('cdb:qpick:'))).toHaveLength(2);
    const refusal = await h.reply(press(mallory, q, 'cdb:qpick:'), () => true, 'refusal', 10_000);
    expect(refusal.content).toBe('Only the person who started this session can do that.');
    pick(alice, q, 1);
    await h.final(turn, 'ran: Your questions have been answered: "Which color?"="Blue"');
    const answered = h.discord.messages.get(q.id)!;
    expect(answered.content).toContain(`✅ **Blue** — answered by <@${alice.id}>`);
    expect(answered.components).toEqual([]);
  });

  it('several questions: one picked from a menu (multi-select), one answered in words with "Other…"; the owner is mentioned once', async () => {
    const turn = ask(alice, [
      { question: 'Which toppings?', header: 'Toppings', options: ['Cheese', 'Ham', 'Olives'], multiSelect: true },
      { question: 'Which crust?', header: 'Crust', options: ['Thin', 'Thick'] },
    ]);
    const toppings = await waitOpen('Which toppings?');
    const crust = await waitOpen('Which crust?');
    expect(toppings.content).toContain(`<@${alice.id}>`);
    expect(crust.content).not.toContain(`<@${alice.id}>`);
    h.discord.injectSelect({ user: alice, message: toppings, customId: id(toppings, 'cdb:qmenu:'), values: ['0', '2'] });
    await h.discord.waitFor(() => h.discord.messages.get(toppings.id)!.components.length === 0, 15_000, 'toppings answered');
    const other = press(alice, crust, 'cdb:qother:');
    const modal = await modalOf(other);
    expect(modal.title).toBe('Answer: Crust');
    h.discord.injectModalSubmit({ user: alice, from: other, values: { answer: 'Stuffed, please' } });
    // Claude Code words the tool result differently when an answer is not one of the options.
    await h.final(turn, 'ran: The user answered: "Which toppings?"="Cheese, Olives", "Which crust?"="Stuffed, please"');
    expect(h.discord.messages.get(toppings.id)!.content).toContain('✅ **Cheese, Olives**');
    expect(h.discord.messages.get(crust.id)!.content).toContain(`✅ **Stuffed, please** — answered by <@${alice.id}>`);
  });

  it('a question pending across a bot restart is asked again (only what is still open) and answered afterwards', async () => {
    await h.final(h.ask(mallory, 'hello'), 'echo: hello');
    const turn = ask(mallory, [
      { question: 'Which day?', header: 'Day', options: ['Monday', 'Friday'] },
      { question: 'Which time?', header: 'Time', options: ['Morning', 'Evening'] },
    ]);
    const day = await waitOpen('Which day?');
    await waitOpen('Which time?');
    const seenTime = posts('Which time?');
    pick(mallory, day, 0);
    await h.discord.waitFor(() => h.discord.messages.get(day.id)!.components.length === 0, 15_000, 'day answered');
    await h.bot!.crash();
    await h.startBot([alice, mallory, carol]);
    const time = await waitOpen('Which time?', seenTime);
    expect(posts('Which day?')).toBe(1); // answered before the crash: not asked again
    pick(mallory, time, 0);
    const answer = await h.final(turn, 'ran: Your questions have been answered: "Which day?"="Monday", "Which time?"="Morning"');
    expect(h.discord.responsesTo(turn).map((m) => m.id)).toContain(answer.id);
  });

  it('Stop while a question waits: Claude Code withdraws it, and the question says so', async () => {
    // (carol's own session: after a stopped tool call the stub would answer the rejection, not a new question)
    const turn = ask(carol, [{ question: 'Left or right?', header: 'Way', options: ['Left', 'Right'] }]);
    const q = await waitOpen('Left or right?');
    const reply = await h.reply(turn, (m) => buttonIds(m).some((b) => b.startsWith('cdb:stop:')), 'Stop button');
    h.discord.injectButton({ user: carol, message: reply, customId: buttonIds(reply).find((b) => b.startsWith('cdb:stop:'))! });
    const closed = await h.discord.waitFor(() => {
      const m = h.discord.messages.get(q.id)!;
      return m.components.length === 0 && m;
    }, 30_000, 'question closed');
    expect(closed.content).toContain('Claude withdrew the question');
  });

  it('an unanswered question times out after PERMISSION_TIMEOUT, and Claude is told nobody answered', async () => {
    await h.bot!.stop();
    await h.startBot([alice, mallory, carol], { PERMISSION_TIMEOUT: '2' });
    const turn = ask(alice, [{ question: 'Tea or coffee?', header: 'Drink', options: ['Tea', 'Coffee'] }]);
    const answer = await h.final(turn, 'ran: [error] Nobody answered your questions within 2 s.');
    expect(answer.content).toContain('Nobody answered Claude\'s question in time');
    const closed = await h.discord.waitFor(() => h.discord.channelMessages().find((m) => m.content.includes('Tea or coffee?') && m.content.includes('⌛ Nobody answered in time')), 15_000, 'question marked timed out');
    expect(closed.components).toEqual([]);
  });
});
