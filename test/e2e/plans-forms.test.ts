/**
 * Issue 11, items 2 and 3, end to end with the real CLI: `/claude mode to:plan` switches a live
 * session into plan mode, the stub's `PLAN:` script writes a plan and calls `ExitPlanMode`, and the
 * owner approves it (or approves and accepts edits, or sends it back with feedback from a modal);
 * an MCP server (test/fakes/mcp-elicit-server.ts, given to every session with MCP_CONFIG) asks
 * for a form or a link with `elicitInput`, and the owner fills it in a modal. The stub's next
 * answer (`ran: <tool result>`) shows what reached Claude or the server.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeUser, Interaction, StoredMessage } from '../fakes/discord/server.js';
import { elicitServerConfig } from '../fakes/mcp-elicit-server.js';
import { Harness, buttonIds } from '../helpers/harness.js';

let h: Harness;
let alice: FakeUser;
let bob: FakeUser;
let carol: FakeUser;
let mcpConfig: string;

beforeAll(async () => {
  h = await Harness.create();
  [alice, bob, carol] = ['alice', 'bob', 'carol'].map((n) => h.discord.addUser(n)) as [FakeUser, FakeUser, FakeUser];
  mcpConfig = path.join(h.cenv.workDir, '..', 'mcp.json');
  fs.writeFileSync(mcpConfig, JSON.stringify(elicitServerConfig()));
  await h.startBot([alice, bob, carol], { MCP_CONFIG: mcpConfig });
});
afterAll(async () => h?.close());

const command = (user: FakeUser, subcommand: string, options: Record<string, string> = {}) =>
  h.discord.injectCommand({ user, name: 'claude', subcommand, options });
const latest = (match: (m: StoredMessage) => boolean, what: string) =>
  h.discord.waitFor(() => h.discord.channelMessages().filter((m) => match(m) && m.components.length > 0).at(-1), 45_000, what);
const press = (user: FakeUser, m: StoredMessage, prefix: string) =>
  h.discord.injectButton({ user, message: m, customId: buttonIds(m).find((b) => b.startsWith(prefix))! });
/** Presses the `cdb:<action>:…:<arg>` button of a question, plan or form. */
const choose = (user: FakeUser, m: StoredMessage, action: string, arg: string) =>
  h.discord.injectButton({ user, message: m, customId: buttonIds(m).find((b) => b.startsWith(`cdb:${action}:`) && b.endsWith(`:${arg}`))! });
const modalOf = (i: Interaction) => h.discord.waitFor(() => i.modal, 20_000, 'modal');
const mode = (user: FakeUser) => h.rows(`SELECT permission_mode AS m FROM sessions WHERE owner_id = '${user.id}'`)[0]!.m;

/** Starts `user`'s session, then switches it to plan mode while its process lives. */
async function inPlanMode(user: FakeUser): Promise<void> {
  await h.final(h.ask(user, 'hello'), 'echo: hello');
  const reply = await h.reply(command(user, 'mode', { to: 'plan' }), (m) => m.content.startsWith('🛡️'), 'mode reply', 15_000);
  expect(reply.content).toContain('**plan**');
  expect(reply.flags & 64).toBe(64);
  expect(mode(user)).toBe('plan');
}

describe('plans', () => {
  it('/claude mode plan, then Approve: Claude is told the plan is approved and leaves plan mode', async () => {
    await inPlanMode(alice);
    const turn = h.ask(alice, 'PLAN:1. Add a users table\n2. Write the migration');
    const plan = await latest((m) => m.content.includes('Claude\'s plan is ready'), 'plan prompt');
    expect(plan.content).toContain(`<@${alice.id}>`);
    expect(plan.content).toContain('1. Add a users table');
    choose(alice, plan, 'plan', 'approve');
    // With a plan file, 2.1.330 answers with the approved plan read from it.
    const answer = await h.final(turn, 'ran: User has approved your plan.');
    expect(answer.content).toContain('## Approved Plan:\n1. Add a users table');
    expect(h.discord.messages.get(plan.id)!.content).toContain(`✅ Plan approved by <@${alice.id}>.`);
    expect(h.discord.messages.get(plan.id)!.components).toEqual([]);
    await h.discord.waitFor(() => mode(alice) === 'default', 10_000, 'mode stored as default'); // as the CLI reported it
  });

  it('Approve and accept edits leaves plan mode for acceptEdits', async () => {
    await inPlanMode(carol);
    const turn = h.ask(carol, 'PLAN:Refactor the parser');
    const plan = await latest((m) => m.content.includes('Refactor the parser'), 'plan prompt');
    choose(carol, plan, 'plan', 'edits');
    await h.final(turn, 'ran: User has approved your plan.');
    expect(h.discord.messages.get(plan.id)!.content).toContain('file edits are accepted without asking');
    await h.discord.waitFor(() => mode(carol) === 'acceptEdits', 10_000, 'mode stored as acceptEdits');
  });

  it('Keep planning… sends the plan back with the feedback typed in the modal; a long plan is attached as plan.md', async () => {
    await inPlanMode(bob);
    const long = Array.from({ length: 60 }, (_, i) => `${i + 1}. step number ${i + 1} of the plan`).join('\n');
    const turn = h.ask(bob, `PLAN:${long}`);
    const plan = await latest((m) => m.content.includes('Claude\'s plan is ready') && m.content.includes('step number 1 '), 'plan prompt');
    expect(plan.content).toContain('the whole plan is attached as plan.md');
    expect(plan.attachments).toMatchObject([{ filename: 'plan.md', text: long }]);
    const keep = choose(bob, plan, 'plan', 'keep');
    expect((await modalOf(keep)).title).toBe('Keep planning');
    h.discord.injectModalSubmit({ user: bob, from: keep, values: { feedback: 'Use SQLite, not Postgres' } });
    await h.final(turn, 'ran: [error] The user wants to keep planning and did not approve the plan yet. Their feedback: Use SQLite, not Postgres');
    expect(h.discord.messages.get(plan.id)!.content).toContain(`📝 Sent back to planning by <@${bob.id}>:\n> Use SQLite, not Postgres`);
    expect(mode(bob)).toBe('plan');
  });
});

describe('MCP forms', () => {
  const form = (schema: unknown) => `USE:mcp__elicit__form ${JSON.stringify({ message: 'Who are you?', schema })}`;
  /** The MCP tool asks for permission first (like any tool): allowed for the rest of the session. */
  async function allowTool(user: FakeUser): Promise<void> {
    press(user, await latest((m) => m.content.includes('Claude wants to use **mcp__elicit__form**'), 'tool permission prompt'), 'cdb:always:');
  }

  it('a form is filled in a modal typed from the schema; a wrong value is refused and the form stays open', async () => {
    const turn = h.ask(alice, form({
      type: 'object', required: ['name'],
      properties: {
        name: { type: 'string', title: 'Name' },
        age: { type: 'integer', title: 'Age', minimum: 0 },
        color: { type: 'string', title: 'Colour', enum: ['red', 'blue'], enumNames: ['Red', 'Blue'] },
      },
    }));
    await allowTool(alice);
    const msg = await latest((m) => m.content.includes('**elicit** (an MCP server) asks'), 'form prompt');
    expect(msg.content).toContain('**Name** — text, required');
    const fill = choose(alice, msg, 'form', 'fill');
    const modal = await modalOf(fill);
    expect(modal.components.map((c) => (c as { component: { type: number } }).component.type)).toEqual([4, 4, 3]); // text, text, select
    const wrong = h.discord.injectModalSubmit({ user: alice, from: fill, values: { 0: 'Ada', 1: 'old', 2: ['blue'] } });
    expect((await h.reply(wrong, () => true, 'refusal', 10_000)).content).toContain('**Age** must be a whole number.');
    const again = choose(alice, h.discord.messages.get(msg.id)!, 'form', 'fill');
    await modalOf(again);
    h.discord.injectModalSubmit({ user: alice, from: again, values: { 0: 'Ada', 1: '36', 2: ['blue'] } });
    await h.final(turn, 'ran: accept {"name":"Ada","age":36,"color":"blue"}');
    expect(h.discord.messages.get(msg.id)!.content).toContain(`✅ Sent by <@${alice.id}> (Name, Age, Colour).`);
  });

  it('a form of more than five fields is declined, and the user is told why', async () => {
    const properties = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`f${i}`, { type: 'string' }]));
    const turn = h.ask(alice, form({ type: 'object', properties }));
    await h.final(turn, 'ran: decline');
    const notice = await h.discord.waitFor(() => h.discord.channelMessages().find((m) => m.content.includes('asked for input Discord cannot show')), 10_000, 'refusal notice');
    expect(notice.content).toContain('the form has 6 fields, and a Discord form holds at most 5');
  });

  it('a link is shown as a link button; Done accepts, Decline declines', async () => {
    const link = (url: string) => h.ask(alice, `USE:mcp__elicit__link ${JSON.stringify({ message: 'Log in to Example', url })}`);
    const first = link('https://example.com/login');
    press(alice, await latest((m) => m.content.includes('Claude wants to use **mcp__elicit__link**'), 'link permission'), 'cdb:always:');
    const isLink = (m: StoredMessage) => m.content.includes('(an MCP server) asks') && m.content.includes('Log in to Example');
    const msg = await latest(isLink, 'link prompt');
    const row = (msg.components[0] as { components: Array<{ style: number; url?: string }> }).components;
    expect(row[0]).toMatchObject({ style: 5, url: 'https://example.com/login' });
    choose(alice, msg, 'form', 'accept');
    await h.final(first, 'ran: accept');
    const second = link('https://example.com/again');
    const msg2 = await latest((m) => isLink(m) && m.id !== msg.id, 'second link prompt');
    choose(alice, msg2, 'form', 'decline');
    await h.final(second, 'ran: decline');
    expect(h.discord.messages.get(msg2.id)!.content).toContain(`❌ Declined by <@${alice.id}>.`);
  });

  it('a form pending across a bot restart is asked again, and the answer reaches the server', async () => {
    const turn = h.ask(alice, form({ type: 'object', properties: { city: { type: 'string', title: 'City' } } })); // the tool is always allowed by now
    const isCity = (m: StoredMessage) => m.content.includes('(an MCP server) asks') && m.content.includes('**City**');
    await latest(isCity, 'form prompt');
    await h.bot!.crash();
    await h.startBot([alice, bob, carol], { MCP_CONFIG: mcpConfig });
    const again = await h.discord.waitFor(() => h.discord.channelMessages().filter((m) => isCity(m) && m.components.length > 0).length >= 2
      && h.discord.channelMessages().filter(isCity).at(-1), 45_000, 'form asked again');
    const fill = choose(alice, again, 'form', 'fill');
    await modalOf(fill);
    h.discord.injectModalSubmit({ user: alice, from: fill, values: { 0: 'Paris' } });
    await h.final(turn, 'ran: accept {"city":"Paris"}');
  });
});
