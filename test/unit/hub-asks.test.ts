/**
 * Questions and plans on the hub, without a server: the protocol's fields and commands for them
 * (and that an event from a runner predating them still parses), how the hub reads a `permission`
 * event into the request the renderers know, the hub store's prompt parts (migration 2 over a
 * store of migration 1), and `HubAsks` posting and settling once, against a channel that records
 * what it is sent.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Client } from 'discord.js';
import { HubAsks, isShownAsAsk, requestOf } from '../../src/discord/hub/asks.js';
import { createLogger } from '../../src/core/logger.js';
import { HubService } from '../../src/hub/service.js';
import type { HubSession, PermissionAsk } from '../../src/hub/ui.js';
import { command, event, PROTOCOL_VERSION } from '../../src/remote/protocol.js';
import { openDatabase } from '../../src/store/db.js';
import { HUB_MIGRATIONS } from '../../src/store/hub-migrations.js';
import { SqliteHubStore } from '../../src/store/hub-repo.js';

const ID = '7b0c8f0e-52a3-4a44-9d1c-2d1d3c6b8e11';
const USER = '100000000000000001';
const color = { question: 'Which color?', header: 'Color', options: [{ label: 'Red', description: '' }, { label: 'Blue', description: 'cool' }], multiSelect: false };
const size = { question: 'Which size?', header: 'Size', options: [{ label: 'S', description: '' }], multiSelect: false };
const base = { type: 'permission' as const, sessionId: '0123456789ab', key: 'abcdef012345', turnId: null, input: {} };

describe('the protocol of questions and plans', () => {
  it('carries the questions, the answers given so far and the plan, all optional', () => {
    const ev = (body: unknown) => event.safeParse({ v: PROTOCOL_VERSION, id: 'x', runner: 'a', at: 1, body });
    expect(ev({ ...base, kind: 'question', tool: 'AskUserQuestion', questions: [color, size], answers: [null, { answer: 'S', userId: USER }] }).success).toBe(true);
    expect(ev({ ...base, kind: 'plan', tool: 'ExitPlanMode', plan: null }).success).toBe(true);
    // A runner that predates the fields: still an event the hub takes (and asks as a tool).
    const old = ev({ ...base, kind: 'question', tool: 'AskUserQuestion', input: { questions: [color] } });
    expect(old.success && isShownAsAsk(old.data.body as PermissionAsk)).toBe(false);
    expect(ev({ ...base, kind: 'question', tool: 'AskUserQuestion', questions: [{ question: 'no options' }] }).success).toBe(false);
  });

  it('answers one question, or decides a plan (feedback defaults to none); refuses what is out of shape', () => {
    const cmd = (body: unknown) => command.safeParse({ v: PROTOCOL_VERSION, id: ID, at: 1, body });
    expect(cmd({ type: 'answer', sessionId: base.sessionId, key: base.key, index: 1, answer: 'Blue', userId: USER }).success).toBe(true);
    const plan = cmd({ type: 'plan', sessionId: base.sessionId, key: base.key, choice: 'keep', userId: USER });
    expect(plan.success && plan.data.body).toMatchObject({ choice: 'keep', feedback: '' });
    expect(cmd({ type: 'answer', sessionId: base.sessionId, key: base.key, index: -1, answer: 'Blue', userId: USER }).success).toBe(false);
    expect(cmd({ type: 'answer', sessionId: base.sessionId, key: base.key, index: 0, answer: '', userId: USER }).success).toBe(false);
    expect(cmd({ type: 'plan', sessionId: base.sessionId, key: base.key, choice: 'maybe', userId: USER }).success).toBe(false);
  });
});

describe('a permission event as the hub shows it', () => {
  it('is a question with its answers by index, or a plan with its text; else a tool', () => {
    const q: PermissionAsk = { ...base, kind: 'question', tool: 'AskUserQuestion', questions: [color, size], answers: [{ answer: 'Red', userId: USER }] };
    expect(isShownAsAsk(q)).toBe(true);
    expect(requestOf(q)).toMatchObject({ kind: 'question', key: base.key, requestId: base.key, questions: [color, size], answers: [{ answer: 'Red', userId: USER }, null] });
    const p: PermissionAsk = { ...base, kind: 'plan', tool: 'ExitPlanMode', plan: '1. do it' };
    expect(isShownAsAsk(p)).toBe(true);
    expect(requestOf(p)).toMatchObject({ kind: 'plan', plan: '1. do it' });
    expect(isShownAsAsk({ ...base, kind: 'plan', tool: 'ExitPlanMode', plan: null })).toBe(true); // no plan file: still a plan to decide
    expect(isShownAsAsk({ ...base, kind: 'question', tool: 'AskUserQuestion', questions: [] })).toBe(false);
    expect(isShownAsAsk({ ...base, kind: 'tool', tool: 'Bash' })).toBe(false);
  });
});

describe('the hub store\'s question and plan prompts', () => {
  it('migrates a store of version 1 (its tool prompts stay tool prompts) and keeps each part once, answered once', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cdb-hubstore-')), 'hub.db');
    const v1 = openDatabase(file, HUB_MIGRATIONS.slice(0, 1));
    v1.prepare("INSERT INTO hub_prompts (session_id, key, tool, channel_id, message_id) VALUES ('0123456789ab', 'k1', 'Bash', '2', '3')").run();
    v1.close();
    const store = new SqliteHubStore(openDatabase(file, HUB_MIGRATIONS));
    try {
      expect(store.prompt('0123456789ab', 'k1')).toMatchObject({ tool: 'Bash', messageId: '3', kind: 'tool', ask: null });
      store.setPrompt({ sessionId: '0123456789ab', key: 'k2', tool: 'AskUserQuestion', channelId: '2', messageId: null, settledAt: null, kind: 'question', ask: '{"x":1}' });
      store.setPrompt({ sessionId: '0123456789ab', key: 'k2', tool: 'AskUserQuestion', channelId: '2', messageId: '9', settledAt: null });
      expect(store.prompt('0123456789ab', 'k2')).toMatchObject({ kind: 'question', ask: '{"x":1}', messageId: '9' });
      store.addPromptPart('0123456789ab', 'k2', 1, '11');
      store.addPromptPart('0123456789ab', 'k2', 0, '10');
      store.addPromptPart('0123456789ab', 'k2', 0, '99'); // posted again (a replay): the first message stays
      expect(store.answerPromptPart('0123456789ab', 'k2', 0, 5)).toBe(true);
      expect(store.answerPromptPart('0123456789ab', 'k2', 0, 6)).toBe(false);
      expect(store.promptParts('0123456789ab', 'k2')).toEqual([{ part: 0, messageId: '10', answeredAt: 5 }, { part: 1, messageId: '11', answeredAt: null }]);
    } finally {
      store.close();
    }
  });
});

describe('HubAsks against a recording channel', () => {
  const session: HubSession = { sessionId: base.sessionId, runner: 'a', ownerId: USER, channelId: '200000000000000001', lastAt: 1 };
  function setup() {
    const sent: Array<{ id: string; content: string; nonce: unknown }> = [];
    const edits: Array<{ id: string; content: string }> = [];
    const channel = {
      isSendable: () => true,
      send: async (m: { content: string; nonce: unknown }) => {
        const id = String(300000000000000000n + BigInt(sent.length));
        sent.push({ id, content: m.content, nonce: m.nonce });
        return { id };
      },
      messages: { edit: async (id: string, m: { content: string }) => void edits.push({ id, content: m.content }) },
    };
    const client = { channels: { cache: new Map([[session.channelId, channel]]), fetch: async () => channel } } as unknown as Client;
    const store = new SqliteHubStore(openDatabase(':memory:', HUB_MIGRATIONS));
    store.noteSession(session);
    const commands: Array<{ runner: string; body: unknown }> = [];
    const link = { send: async (runner: string, body: unknown) => void commands.push({ runner, body }) };
    const hub = new HubService({ link: link as never, store, log: createLogger('silent') });
    return { sent, edits, store, hub, commands, asks: new HubAsks({ client: () => client, hub, log: createLogger('silent'), now: () => 7 }) };
  }
  const questions: PermissionAsk = { ...base, kind: 'question', tool: 'AskUserQuestion', questions: [color, size], answers: [null, { answer: 'S', userId: USER }] };

  it('posts only the open questions, once, and a settlement by the timeout closes those not answered here', async () => {
    const { sent, edits, asks, hub } = setup();
    await asks.ask(questions, session);
    await asks.ask(questions, session); // the event again (a hub restart, a replay)
    expect(sent.map((m) => m.content.split('\n')[0])).toEqual([`❓ **Color** · question 1 of 2 <@${USER}>`]);
    expect(hub.promptParts.promptParts(base.sessionId, base.key)).toEqual([{ part: 0, messageId: sent[0]!.id, answeredAt: null }]);
    expect(await asks.settled({ type: 'permissionSettled', sessionId: base.sessionId, key: base.key, decision: 'deny', by: 'timeout', userId: null }, session)).toBe(true);
    expect(edits).toEqual([{ id: sent[0]!.id, content: expect.stringContaining('⌛ Nobody answered in time') }]);
    expect(hub.prompt(base.sessionId, base.key)?.settledAt).toBe(7);
    await asks.ask(questions, session);
    expect(sent).toHaveLength(1);
  });

  it('a prompt settled before its event was handled is never posted; a tool\'s settlement is left to the caller', async () => {
    const { sent, asks } = setup();
    expect(await asks.settled({ type: 'permissionSettled', sessionId: base.sessionId, key: base.key, decision: 'deny', by: 'withdrawn', userId: null }, session)).toBe(true);
    await asks.ask({ ...base, kind: 'plan', tool: 'ExitPlanMode', plan: 'x' }, session);
    expect(sent).toEqual([]);
    const other = setup();
    other.hub.setPrompt({ sessionId: base.sessionId, key: 'tool1', tool: 'Bash', channelId: session.channelId, messageId: '5', settledAt: null });
    expect(await other.asks.settled({ type: 'permissionSettled', sessionId: base.sessionId, key: 'tool1', decision: 'allow', by: 'user', userId: USER }, session)).toBe(false);
  });

  it('answers through the runner once: a second click on an answered question or a decided plan finds nothing waiting', async () => {
    const { asks, commands } = setup();
    const sentCommands = () => commands.map((c) => (c.runner === 'a' ? c.body : null));
    await asks.ask(questions, session);
    const by = { userId: USER, channelId: session.channelId, guildId: null, parentId: null };
    const answerer = asks.answerer(base.sessionId, by, '400000000000000001');
    expect(answerer.waitingRequest(base.key)?.answers).toEqual([null, { answer: 'S', userId: USER }]);
    expect(await answerer.answerQuestion(base.key, 0, 'Blue', USER)).toBe('recorded');
    expect(sentCommands()).toEqual([{ type: 'answer', sessionId: base.sessionId, key: base.key, index: 0, answer: 'Blue', userId: USER }]);
    expect(answerer.waitingRequest(base.key)?.answers?.[0]).not.toBeNull();
    const plan: PermissionAsk = { ...base, key: 'fedcba987654', kind: 'plan', tool: 'ExitPlanMode', plan: '1. go' };
    await asks.ask(plan, session);
    expect(answerer.waitingRequest(plan.key)).toMatchObject({ kind: 'plan', plan: '1. go' });
    expect(await answerer.decidePlan(plan.key, 'keep-planning', 'smaller steps', USER)).toBe(true);
    expect(sentCommands().at(-1)).toEqual({ type: 'plan', sessionId: base.sessionId, key: plan.key, choice: 'keep', feedback: 'smaller steps', userId: USER });
    expect(answerer.waitingRequest(plan.key)).toBeNull();
    expect(answerer.waitingElicitation('x')).toBeNull();
  });
});
