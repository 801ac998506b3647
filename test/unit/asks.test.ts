/**
 * The pure parts of questions, plans and forms: reading `AskUserQuestion` input, the answers sent
 * back, the plan file Claude writes, MCP form schemas into fields and the user's input back into
 * typed content, and the component ids that carry the answers.
 */
import { describe, expect, it } from 'vitest';
import { makeBridgeSessionId, makeClaudeSessionId, makeComponentId, parseComponentId, parseSnowflake, type BridgeSessionId } from '../../src/core/ids.js';
import { openDatabase } from '../../src/store/db.js';
import { checkMcpConfig } from '../../src/cli/doctor-checks.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SqliteSessionStore } from '../../src/store/sessions-repo.js';
import { formContent, parseFormSchema } from '../../src/sessions/forms.js';
import { answeredInput, keepPlanningMessage, parseQuestions, planFileWritten } from '../../src/sessions/questions.js';
import type { KnownMessage } from '../../src/claude/stream-json.js';

describe('questions', () => {
  const input = { questions: [
    { question: 'Which color?', header: 'Color', options: [{ label: 'Red', description: 'warm' }, { label: 'Blue', description: 'cool' }], multiSelect: false },
    { question: 'Which sizes?', header: 'Size', options: [{ label: 'S', description: '' }, { label: 'M', description: '' }], multiSelect: true },
  ] };

  it('reads the questions, and refuses input of another shape', () => {
    expect(parseQuestions(input)).toEqual([
      { question: 'Which color?', header: 'Color', options: input.questions[0]!.options, multiSelect: false },
      { question: 'Which sizes?', header: 'Size', options: input.questions[1]!.options, multiSelect: true },
    ]);
    expect(parseQuestions({})).toBeNull();
    expect(parseQuestions({ questions: [{ question: 'x', options: [{ description: 'no label' }] }] })).toBeNull();
  });

  it('answers by question text, keeping the input as asked', () => {
    expect(answeredInput(input, parseQuestions(input)!, ['Blue', 'S, M'])).toEqual({ ...input, answers: { 'Which color?': 'Blue', 'Which sizes?': 'S, M' } });
  });

  it('finds the plan file Claude writes under <config>/plans/, and nothing else', () => {
    const write = (file_path: string, name = 'Write') => ({
      type: 'assistant', parent_tool_use_id: null, message: { content: [{ type: 'tool_use', id: 't', name, input: { file_path, content: 'x' } }] },
    }) as unknown as KnownMessage;
    expect(planFileWritten(write('/home/u/.claude/plans/a-b-c.md'), '/home/u/.claude')).toBe('/home/u/.claude/plans/a-b-c.md');
    expect(planFileWritten(write('/home/u/.claude/plans/../settings.json'), '/home/u/.claude')).toBeNull();
    expect(planFileWritten(write('/work/plans/x.md'), '/home/u/.claude')).toBeNull();
    expect(planFileWritten(write('/home/u/.claude/plans/a.md', 'Read'), '/home/u/.claude')).toBeNull();
  });

  it('tells Claude the user keeps planning, with their feedback when there is some', () => {
    expect(keepPlanningMessage('  use SQLite ')).toMatch(/keep planning.*Their feedback: use SQLite$/);
    expect(keepPlanningMessage('')).not.toContain('feedback');
  });
});

describe('MCP form schemas', () => {
  const schema = {
    type: 'object', required: ['name', 'tags'],
    properties: {
      name: { type: 'string', title: 'Name', minLength: 2 },
      age: { type: 'integer', minimum: 0 },
      ok: { type: 'boolean', default: true },
      color: { type: 'string', oneOf: [{ const: 'r', title: 'Red' }, { const: 'b', title: 'Blue' }] },
      tags: { type: 'array', items: { enum: ['a', 'b', 'c'] }, maxItems: 2 },
    },
  };

  it('reads up to five typed fields, in the order given', () => {
    const parsed = parseFormSchema(schema, ['tags', 'name', 'age', 'ok', 'color']);
    expect(parsed.ok && parsed.fields.map((f) => [f.name, f.type, f.required])).toEqual([
      ['tags', 'choices', true], ['name', 'string', true], ['age', 'integer', false], ['ok', 'boolean', false], ['color', 'choice', false],
    ]);
    expect(parsed.ok && parsed.fields.find((f) => f.name === 'color')!.options).toEqual([{ value: 'r', label: 'Red' }, { value: 'b', label: 'Blue' }]);
  });

  it('refuses what a Discord form cannot hold, saying why', () => {
    const six = { properties: Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`f${i}`, { type: 'string' }])) };
    expect(parseFormSchema(six)).toEqual({ ok: false, reason: 'the form has 6 fields, and a Discord form holds at most 5' });
    expect(parseFormSchema({ properties: { o: { type: 'object' } } })).toEqual({ ok: false, reason: 'field "o" has a type (object) a Discord form cannot ask for' });
    expect(parseFormSchema({ properties: {} })).toEqual({ ok: false, reason: 'the form has no fields' });
  });

  it('turns what the user entered into typed content, or names the field that is wrong', () => {
    const parsed = parseFormSchema(schema);
    if (!parsed.ok) throw new Error(parsed.reason);
    const f = parsed.fields;
    expect(formContent(f, { name: 'Ada', age: '36', ok: ['false'], color: ['b'], tags: ['a', 'c'] }))
      .toEqual({ ok: true, content: { name: 'Ada', age: 36, ok: false, color: 'b', tags: ['a', 'c'] } });
    expect(formContent(f, { name: 'Ada', age: '', tags: ['a'] })).toEqual({ ok: true, content: { name: 'Ada', tags: ['a'] } });
    expect(formContent(f, { name: 'A', tags: ['a'] })).toEqual({ ok: false, error: '**Name** needs at least 2 characters.' });
    expect(formContent(f, { name: 'Ada', age: '3.5', tags: ['a'] })).toEqual({ ok: false, error: '**age** must be a whole number.' });
    expect(formContent(f, { name: 'Ada', age: '-1', tags: ['a'] })).toEqual({ ok: false, error: '**age** must be at least 0.' });
    expect(formContent(f, { name: 'Ada' })).toEqual({ ok: false, error: '**tags** is required.' });
    expect(formContent(f, { name: 'Ada', tags: ['z'] })).toEqual({ ok: false, error: '**tags** must be among the choices.' });
  });
});

describe('answer component ids', () => {
  const sid = 'a1b2c3d4e5f6' as BridgeSessionId;
  it('round-trip, and anything else is not ours', () => {
    const id = makeComponentId('qpick', sid, '0123456789ab', '1.3');
    expect(id).toBe('cdb:qpick:a1b2c3d4e5f6:0123456789ab:1.3');
    expect(parseComponentId(id)).toEqual({ action: 'qpick', sessionId: sid, key: '0123456789ab', arg: '1.3' });
    expect(parseComponentId('cdb:plan:a1b2c3d4e5f6:0123456789ab:keep')).toMatchObject({ action: 'plan', arg: 'keep' });
    expect(parseComponentId('cdb:plan:a1b2c3d4e5f6:0123456789ab')).toBeNull();
    expect(parseComponentId('cdb:form:a1b2c3d4e5f6:0123456789ab:FILL')).toBeNull();
    expect(parseComponentId('cdb:form:a1b2c3d4e5f6:xyz:fill')).toBeNull();
  });
});

describe('store (migration 7)', () => {
  it('keeps a session\'s permission mode and the answers given to a pending request\'s questions', () => {
    const store = new SqliteSessionStore(openDatabase(':memory:'));
    const id = makeBridgeSessionId();
    store.insert({
      id, ownerId: parseSnowflake('111111111111111111'), guildId: null, channelId: parseSnowflake('222222222222222222'), cwd: '/tmp',
      claudeSessionId: makeClaudeSessionId(), parentSessionId: null, forkFrom: null, forkAt: null, alwaysAllow: '[]', model: null, permissionMode: null,
      state: 'idle', backend: null, outputOffset: 0, createdAt: 1, updatedAt: 1, lastActivityAt: 1, messageCount: 0, turnCount: 0, inputTokens: 0, outputTokens: 0, costUsd: 0,
    });
    store.update(id, { permissionMode: 'plan' });
    expect(store.get(id)!.permissionMode).toBe('plan');
    store.recordQuestionAnswer({ sessionId: id, requestId: 'r1', question: 1, answer: 'Blue', answeredBy: '333333333333333333' });
    store.recordQuestionAnswer({ sessionId: id, requestId: 'r1', question: 1, answer: 'Red', answeredBy: '444444444444444444' }); // first answer wins
    store.recordQuestionAnswer({ sessionId: id, requestId: 'r2', question: 0, answer: 'Other', answeredBy: '333333333333333333' });
    expect(store.listQuestionAnswers(id, 'r1')).toEqual([{ question: 1, answer: 'Blue', answeredBy: '333333333333333333' }]);
    store.deleteQuestionAnswers(id, 'r1');
    expect(store.listQuestionAnswers(id, 'r1')).toEqual([]);
    expect(store.listQuestionAnswers(id, 'r2')).toHaveLength(1);
    store.close();
  });
});

describe('doctor: MCP_CONFIG', () => {
  it('is ok with an mcpServers object, and fails (saying how to fix it) otherwise', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdb-mcp-'));
    const file = (name: string, text: string) => { fs.writeFileSync(path.join(dir, name), text); return path.join(dir, name); };
    expect(checkMcpConfig(file('ok.json', '{"mcpServers":{"elicit":{"command":"tsx","args":[]}}}'))).toMatchObject({ status: 'ok', detail: '1 server for every session: elicit' });
    expect(checkMcpConfig(file('none.json', '{"servers":{}}'))).toMatchObject({ status: 'fail', detail: expect.stringContaining('no "mcpServers" object') });
    expect(checkMcpConfig(file('bad.json', '{'))).toMatchObject({ status: 'fail', fix: expect.stringContaining('mcpServers') });
    expect(checkMcpConfig(path.join(dir, 'missing.json')).status).toBe('fail');
  });
});
