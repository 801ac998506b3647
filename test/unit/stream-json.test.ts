import { describe, expect, it } from 'vitest';
import { assistantText, parseStreamJsonLine, textDelta, type KnownMessage } from '../../src/claude/stream-json.js';
import { encodeInterrupt, encodePermissionDecision, encodeUserMessage } from '../../src/claude/input.js';
import { buildClaudeArgs } from '../../src/claude/args.js';
import { parseClaudeSessionId } from '../../src/core/ids.js';

// Lines as Claude Code 2.1.330 printed them against the stub (trimmed to the fields used).
const DELTA = '{"type":"stream_event","event":{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"echo: hi"}},"session_id":"s","parent_tool_use_id":null,"uuid":"u"}';
const SUBAGENT_DELTA = DELTA.replace('"parent_tool_use_id":null', '"parent_tool_use_id":"toolu_1"');
const ASSISTANT = '{"type":"assistant","message":{"id":"m","type":"message","role":"assistant","content":[{"type":"text","text":"a"},{"type":"tool_use","id":"t","name":"Bash","input":{}},{"type":"text","text":"b"}]},"parent_tool_use_id":null,"session_id":"s","uuid":"u"}';
const RESULT = '{"type":"result","subtype":"success","is_error":false,"result":"echo: hi","total_cost_usd":0.0002,"usage":{"input_tokens":12,"output_tokens":7},"duration_ms":40,"num_turns":1,"session_id":"s"}';

/** Parses a line that must be a known message (fails the test otherwise). */
function message(line: string): KnownMessage {
  const out = parseStreamJsonLine(line);
  if (out.kind !== 'message') throw new Error(`not a known message: ${out.kind}`);
  return out.message;
}

describe('stream-json parser', () => {
  it('types known lines and extracts main-thread text', () => {
    expect(textDelta(message(DELTA))).toBe('echo: hi');
    expect(textDelta(message(SUBAGENT_DELTA))).toBeNull(); // a subagent's text is not the answer
    expect(assistantText(message(ASSISTANT))).toBe('ab');
    expect(assistantText(message(DELTA))).toBeNull();
    expect(textDelta(message(ASSISTANT))).toBeNull();
    const r = parseStreamJsonLine(RESULT);
    expect(r).toMatchObject({ kind: 'message', message: { type: 'result', subtype: 'success', total_cost_usd: 0.0002 } });
  });

  it('passes unknown types through and reports broken lines, never throwing', () => {
    expect(parseStreamJsonLine('{"type":"rate_limit_event","rate_limit_info":{"status":"allowed_warning"}}')).toMatchObject({ kind: 'message' });
    expect(parseStreamJsonLine('{"type":"some_future_type","x":1}')).toMatchObject({ kind: 'unknown', type: 'some_future_type' });
    expect(parseStreamJsonLine('{"type":"stream_ev')).toMatchObject({ kind: 'invalid' });
    expect(parseStreamJsonLine('[1,2]')).toMatchObject({ kind: 'invalid' });
    expect(parseStreamJsonLine('')).toMatchObject({ kind: 'invalid' });
    expect(parseStreamJsonLine('Pane is dead')).toMatchObject({ kind: 'invalid' });
  });
});

describe('stdin encoders', () => {
  it('writes one JSON line per user message, text verbatim', () => {
    const text = 'line1\nC-c Enter \u0003 **md** "quotes"';
    const line = encodeUserMessage(text);
    expect(line).not.toContain('\n');
    expect(JSON.parse(line)).toEqual({ type: 'user', session_id: '', parent_tool_use_id: null, message: { role: 'user', content: text } });
    expect(JSON.parse(encodeUserMessage('x', { priority: 'now', uuid: 'u1' }))).toMatchObject({ priority: 'now', uuid: 'u1' });
  });

  it('encodes interrupt and permission answers as control messages', () => {
    expect(JSON.parse(encodeInterrupt('r1'))).toEqual({ type: 'control_request', request_id: 'r1', request: { subtype: 'interrupt' } });
    expect(JSON.parse(encodePermissionDecision('r2', { behavior: 'deny', message: 'no' }))).toEqual({
      type: 'control_response', response: { subtype: 'success', request_id: 'r2', response: { behavior: 'deny', message: 'no' } },
    });
  });
});

describe('argv builder', () => {
  const id = parseClaudeSessionId('11111111-2222-4333-8444-555555555555');
  it('builds the kept-alive stream-json argv for a new session', () => {
    expect(buildClaudeArgs({ session: { kind: 'new', id } })).toEqual([
      '-p', '--input-format', 'stream-json', '--output-format', 'stream-json', '--verbose',
      '--include-partial-messages', '--replay-user-messages', '--permission-prompt-tool', 'stdio', '--session-id', id,
    ]);
  });
  it('resumes, with model and permission mode as separate argv entries', () => {
    const args = buildClaudeArgs({ session: { kind: 'resume', id }, model: 'sonnet; rm -rf /', permissionMode: 'acceptEdits' });
    expect(args.slice(-6)).toEqual(['--resume', id, '--model', 'sonnet; rm -rf /', '--permission-mode', 'acceptEdits']);
    expect(args).not.toContain('--session-id');
  });
});
