/**
 * Questions and plans on the hub, without a server: the protocol's fields and commands for them
 * (and that an event from a runner predating them still parses), how the hub reads a `permission`
 * event into the request the renderers know, and the hub store's prompt parts (migration 2 over a
 * store of migration 1).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isShownAsAsk, requestOf } from '../../src/discord/hub/asks.js';
import type { PermissionAsk } from '../../src/hub/ui.js';
import { command, event, PROTOCOL_VERSION } from '../../src/remote/protocol.js';
import { openDatabase } from '../../src/store/db.js';
import { HUB_MIGRATIONS, SqliteHubStore } from '../../src/store/hub-repo.js';

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
