/**
 * Issue 12: Claude's questions (`AskUserQuestion`) and plans (`ExitPlanMode`) of a session on a
 * runner, answered on the hub — `claude-bridge hub` and one `claude-bridge runner` as processes
 * talking through a real nats-server, the hub in front of the fake Discord (real discord.js), the
 * runner driving the real `claude` CLI under tmux against the Anthropic stub. The runner's sessions
 * start in plan mode (`PERMISSION_MODE=plan`), where the stub's `PLAN:` script writes a plan and
 * asks to leave plan mode, and `USE:AskUserQuestion` asks questions. What reached Claude shows in
 * the stub's next answer (`ran: <tool result>`). Each `/claude ask` opens its own thread: its own
 * session. Covered: an option's button, a multi-select menu, "Other…" and its modal, Approve, Keep
 * planning… with feedback (a long plan attached), strangers refused, a question and a plan withdrawn
 * by Stop (their messages closed), and a question still answerable after a hub `kill -9`.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubPermissions, runnerPermissions } from '../../src/remote/subjects.js';
import { startAnthropicStub, type AnthropicStub } from '../fakes/anthropic-stub.js';
import { FakeDiscord, type FakeUser, type Interaction, type StoredMessage } from '../fakes/discord/server.js';
import { startBotProcess, type BotProcess } from '../helpers/bot-process.js';
import { startHubProcess } from '../helpers/hub-process.js';
import { makeClaudeTestEnv, type ClaudeTestEnv } from '../helpers/claude-env.js';
import { buttonIds, hasButton } from '../helpers/harness.js';
import { natsServerBinary, NO_NATS_SERVER, startNatsServer, type NatsServer } from '../helpers/nats-server.js';

const hasNats = natsServerBinary() !== null;
if (!hasNats) console.warn(`skipping the hub asks suite: ${NO_NATS_SERVER}`);

describe.skipIf(!hasNats)('questions and plans answered on the hub (hub + one runner over real NATS, claude, tmux, discord.js)', () => {
  let nats: NatsServer;
  let stub: AnthropicStub;
  let discord: FakeDiscord;
  let alice: FakeUser;
  let mallory: FakeUser;
  let carol: FakeUser;
  let cenv: ClaudeTestEnv;
  let hub: BotProcess | null = null;
  let runner: BotProcess | null = null;
  let hubDir: string;
  const socket = `cdb-hubasks${process.pid}`;

  const waitFor = <T>(probe: () => T | undefined | null | false, what: string, ms = 60_000) =>
    discord.waitFor(probe, ms, what).catch((err: Error) => {
      throw new Error(`${err.message}\nhub output:\n${hub?.output().slice(-4000)}\nrunner:\n${runner?.output().slice(-3000)}`);
    }) as Promise<T>;
  const command = (user: FakeUser, subcommand: string, options: Record<string, string> = {}) =>
    discord.injectCommand({ user, name: 'claude', subcommand, options });
  /** The session's thread (opened on the ask's reply) and everything in it. */
  const inThread = (i: Interaction) => {
    const first = discord.responsesTo(i)[0];
    return [...discord.responsesTo(i), ...(first && discord.channels.has(first.id) ? discord.channelMessages(first.id) : [])];
  };
  const final = (i: Interaction, text: string) =>
    waitFor(() => inThread(i).find((m) => m.content.includes(text) && !hasButton(m, 'stop')), `final answer "${text}"`, 90_000);
  /** The open prompt (it still has components) in the ask's thread whose text matches. */
  const prompt = (i: Interaction, match: (m: StoredMessage) => boolean, what: string) =>
    waitFor(() => inThread(i).find((m) => match(m) && m.components.length > 0), what);
  const ids = (m: StoredMessage) => (m.components as Array<{ components: Array<{ custom_id?: string }> }>).flatMap((r) => r.components).map((c) => c.custom_id ?? '');
  const idOf = (m: StoredMessage, prefix: string, suffix = '') => {
    const id = ids(m).find((x) => x.startsWith(prefix) && x.endsWith(suffix));
    if (!id) throw new Error(`no ${prefix}…${suffix} component in ${JSON.stringify(m.components)}`);
    return id;
  };
  const press = (user: FakeUser, m: StoredMessage, prefix: string, suffix = '') => discord.injectButton({ user, message: m, customId: idOf(m, prefix, suffix) });
  const pick = (user: FakeUser, m: StoredMessage, option: number) => press(user, m, 'cdb:qpick:', `.${option}`);
  const modalOf = (i: Interaction) => waitFor(() => i.modal, 'modal', 20_000);
  const settled = (m: StoredMessage, what: string) => waitFor(() => {
    const now = discord.messages.get(m.id)!;
    return now.components.length === 0 && now;
  }, what, 30_000);
  /** How many messages were posted whose text contains `text` (an answered one's text is replaced, so count posts). */
  const posts = (text: string) => discord.calls.filter((c) => c.method === 'POST' && c.status === 200 && /^\/channels\/\d+\/messages$/.test(c.path) && String(c.body?.content).includes(text)).length;
  type Q = { question: string; header: string; options: string[]; multiSelect?: boolean };
  const askQuestions = (user: FakeUser, questions: Q[]) => command(user, 'ask', { prompt: `USE:AskUserQuestion ${JSON.stringify({
    questions: questions.map((q) => ({ ...q, multiSelect: q.multiSelect ?? false, options: q.options.map((label) => ({ label, description: `${label} it is` })) })),
  })}` });

  const startHub = async () => {
    hub = await startHubProcess({ discord, natsUrl: nats.url, dir: hubDir, allowed: [alice, mallory, carol], admin: alice, waitFor });
  };

  beforeAll(async () => {
    nats = await startNatsServer([
      { user: 'hub', password: 'pw-hub', permissions: hubPermissions() },
      { user: 'runner-a', password: 'pw-a', permissions: runnerPermissions('a') },
    ]);
    stub = await startAnthropicStub();
    discord = await FakeDiscord.start({ token: 'fake-hub-asks-token' });
    [alice, mallory, carol] = ['alice', 'mallory', 'carol'].map((n) => discord.addUser(n)) as [FakeUser, FakeUser, FakeUser];
    cenv = makeClaudeTestEnv(stub.url);
    hubDir = fs.mkdtempSync(path.join(path.dirname(cenv.workDir), 'hub-'));
    await startHub();
    runner = startBotProcess({
      ...cenv.env, NATS_URL: nats.url, NATS_USER: 'runner-a', NATS_PASSWORD: 'pw-a',
      CLAUDE_WORKDIR: cenv.workDir, DATABASE_PATH: path.join(cenv.workDir, '..', 'runner.db'), RUN_DIR: path.join(cenv.workDir, '..', 'run'),
      TMUX_SOCKET: socket, SESSION_BACKEND: 'tmux', SPARE_PROCESSES: '0', LOG_LEVEL: 'debug', PERMISSION_MODE: 'plan',
    }, ['runner', '--name', 'a']);
    await waitFor(() => {
      if (runner!.proc.exitCode !== null) throw new Error(`runner exited:\n${runner!.output()}`);
      return runner!.output().includes('runner ready');
    }, 'the runner ready');
    // Placement needs the runner's presence: ask until the hub lists it online.
    for (let i = 0; i < 30; i++) {
      const asked = command(alice, 'runners');
      const r = await waitFor(() => discord.responsesTo(asked)[0], 'runners reply');
      if (r.content.includes('🟢 **a**')) break;
      await new Promise((done) => setTimeout(done, 500));
    }
  }, 120_000);
  afterAll(async () => {
    await hub?.stop();
    await runner?.stop();
    try { execFileSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' }); } catch { /* gone */ }
    await discord?.close();
    await stub?.close();
    await nats?.stop();
  });

  it('a question is answered with a button; a stranger\'s click is refused; Claude gets the choice, once', async () => {
    const turn = askQuestions(alice, [{ question: 'Which color?', header: 'Color', options: ['Red', 'Blue'] }]);
    const q = await prompt(turn, (m) => m.content.includes('Which color?'), 'question');
    expect(q.content).toContain(`<@${alice.id}>`);
    expect(q.content).toContain('**Blue** — Blue it is');
    expect(ids(q).filter((b) => b.startsWith('cdb:qpick:'))).toHaveLength(2);
    const refusal = pick(mallory, q, 0);
    expect((await waitFor(() => discord.responsesTo(refusal)[0], 'refusal')).content).toBe('Only the person who started this session can do that.');
    pick(alice, q, 1);
    await final(turn, 'ran: Your questions have been answered: "Which color?"="Blue"');
    const answered = discord.messages.get(q.id)!;
    expect(answered.content).toContain(`✅ **Blue** — answered by <@${alice.id}>`);
    expect(answered.components).toEqual([]);
    expect(posts('Which color?')).toBe(1);
  }, 180_000);

  it('several questions: one picked from a menu (multi-select), one answered in words with "Other…"', async () => {
    const turn = askQuestions(alice, [
      { question: 'Which toppings?', header: 'Toppings', options: ['Cheese', 'Ham', 'Olives'], multiSelect: true },
      { question: 'Which crust?', header: 'Crust', options: ['Thin', 'Thick'] },
    ]);
    const toppings = await prompt(turn, (m) => m.content.includes('Which toppings?'), 'toppings question');
    const crust = await prompt(turn, (m) => m.content.includes('Which crust?'), 'crust question');
    expect(crust.content).not.toContain(`<@${alice.id}>`); // the owner is mentioned once
    discord.injectSelect({ user: alice, message: toppings, customId: idOf(toppings, 'cdb:qmenu:'), values: ['0', '2'] });
    expect((await settled(toppings, 'toppings answered')).content).toContain('✅ **Cheese, Olives**');
    // A stranger cannot send an answer in words either.
    const strangerOther = press(mallory, crust, 'cdb:qother:');
    expect((await waitFor(() => discord.responsesTo(strangerOther)[0], 'refusal')).content).toBe('Only the person who started this session can do that.');
    const other = press(alice, crust, 'cdb:qother:');
    expect((await modalOf(other)).title).toBe('Answer: Crust');
    discord.injectModalSubmit({ user: alice, from: other, values: { answer: 'Stuffed, please' } });
    // Claude Code words the tool result differently when an answer is not one of the options.
    await final(turn, 'ran: The user answered: "Which toppings?"="Cheese, Olives", "Which crust?"="Stuffed, please"');
    expect(discord.messages.get(crust.id)!.content).toContain(`✅ **Stuffed, please** — answered by <@${alice.id}>`);
  }, 180_000);

  it('a plan is shown with its text and approved: Claude is told so', async () => {
    const turn = command(alice, 'ask', { prompt: 'PLAN:1. Add a users table\n2. Write the migration' });
    const plan = await prompt(turn, (m) => m.content.includes('Claude\'s plan is ready'), 'plan prompt');
    expect(plan.content).toContain(`<@${alice.id}>`);
    expect(plan.content).toContain('1. Add a users table');
    const refusal = press(mallory, plan, 'cdb:plan:', ':approve');
    expect((await waitFor(() => discord.responsesTo(refusal)[0], 'refusal')).content).toBe('Only the person who started this session can do that.');
    press(alice, plan, 'cdb:plan:', ':approve');
    const answer = await final(turn, 'ran: User has approved your plan.');
    expect(answer.content).toContain('## Approved Plan:\n1. Add a users table');
    expect(discord.messages.get(plan.id)!.content).toContain(`✅ Plan approved by <@${alice.id}>.`);
    expect(discord.messages.get(plan.id)!.components).toEqual([]);
  }, 180_000);

  it('Keep planning… sends a long plan (attached as plan.md) back with the feedback typed in the modal', async () => {
    const long = Array.from({ length: 60 }, (_, i) => `${i + 1}. step number ${i + 1} of the plan`).join('\n');
    const turn = command(carol, 'ask', { prompt: `PLAN:${long}` });
    const plan = await prompt(turn, (m) => m.content.includes('Claude\'s plan is ready') && m.content.includes('step number 1 '), 'plan prompt');
    expect(plan.content).toContain('the whole plan is attached as plan.md');
    expect(plan.attachments).toMatchObject([{ filename: 'plan.md', text: long }]);
    const keep = press(carol, plan, 'cdb:plan:', ':keep');
    expect((await modalOf(keep)).title).toBe('Keep planning');
    discord.injectModalSubmit({ user: carol, from: keep, values: { feedback: 'Use SQLite, not Postgres' } });
    await final(turn, 'ran: [error] The user wants to keep planning and did not approve the plan yet. Their feedback: Use SQLite, not Postgres');
    expect(discord.messages.get(plan.id)!.content).toContain(`📝 Sent back to planning by <@${carol.id}>:\n> Use SQLite, not Postgres`);
  }, 180_000);

  it('Stop while a question or a plan waits: Claude Code withdraws it, and its message says so', async () => {
    const stop = async (turn: Interaction, user: FakeUser) => {
      const reply = await waitFor(() => inThread(turn).find((m) => hasButton(m, 'stop')), 'Stop button');
      discord.injectButton({ user, message: reply, customId: buttonIds(reply).find((b) => b.startsWith('cdb:stop:'))! });
    };
    const asked = askQuestions(mallory, [{ question: 'Left or right?', header: 'Way', options: ['Left', 'Right'] }]);
    const q = await prompt(asked, (m) => m.content.includes('Left or right?'), 'question');
    await stop(asked, mallory);
    expect((await settled(q, 'question closed')).content).toContain('Claude withdrew the question');
    const planned = command(mallory, 'ask', { prompt: 'PLAN:Rename the module' });
    const plan = await prompt(planned, (m) => m.content.includes('Rename the module'), 'plan prompt');
    await stop(planned, mallory);
    const closed = await settled(plan, 'plan closed');
    expect(closed.content).toContain('Rename the module'); // the plan stays above the line that says why
    expect(closed.content).toContain('Claude withdrew the plan');
  }, 180_000);

  it('a question asked before a hub kill -9 is answered after it: posted once, the answer reaches Claude', async () => {
    const turn = askQuestions(alice, [{ question: 'Which day?', header: 'Day', options: ['Monday', 'Friday'] }]);
    const q = await prompt(turn, (m) => m.content.includes('Which day?'), 'question');
    await hub!.crash();
    await startHub();
    pick(alice, discord.messages.get(q.id)!, 1);
    await final(turn, 'ran: Your questions have been answered: "Which day?"="Friday"');
    expect(discord.messages.get(q.id)!.content).toContain(`✅ **Friday** — answered by <@${alice.id}>`);
    expect(posts('Which day?')).toBe(1);
  }, 240_000);
});
