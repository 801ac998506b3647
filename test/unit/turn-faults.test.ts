/**
 * A turn through API faults, fed the exact stream-json lines Claude Code 2.1.330 printed against the
 * Anthropic stub (`test/unit/fixtures/cli-2.1.330/*.ndjson`, captured with the stub's fault prompts:
 * RESET, MALFORMED, OVERLOADED:n, FAIL500:n, UNAUTHORIZED, and no API key at all).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseStreamJsonLine, type KnownMessage, type SDKResultMessage } from '../../src/claude/stream-json.js';
import { retryNote } from '../../src/discord/render/status.js';
import { turnEnding, turnStats } from '../../src/sessions/output.js';
import { Turn, type ApiRetry } from '../../src/sessions/turn.js';

const FIXTURES = path.join(import.meta.dirname, 'fixtures', 'cli-2.1.330');

function lines(name: string): KnownMessage[] {
  return fs.readFileSync(path.join(FIXTURES, name), 'utf8').split('\n').filter(Boolean).map((l) => {
    const out = parseStreamJsonLine(l);
    return out.kind === 'message' ? out.message : null;
  }).filter((m): m is KnownMessage => m !== null);
}

/** Feeds a captured run into a turn and ends it the way the session does (`turnEnding`). */
function play(name: string, now = () => 0) {
  const turn = new Turn({ id: 't', seq: 1, prompt: 'p', replyRef: null, now });
  const texts: string[] = [];
  const retries: Array<ApiRetry | null> = [];
  turn.on('text', (t) => texts.push(t));
  turn.on('retry', (r) => retries.push(r ? { ...r } : null));
  let result: SDKResultMessage | null = null;
  for (const m of lines(name)) result = turn.feed(m) ?? result;
  expect(result).not.toBeNull();
  const ending = turnEnding(result!, false, turnStats(result!, 0), turn.apiError);
  turn.end(ending.outcome === 'success' ? { ...ending, text: turn.text || ending.text } : ending);
  return { turn, texts, retries, ending };
}

describe('a turn whose API request broke and was retried', () => {
  it('stream reset: the partial first attempt is dropped the moment the CLI abandons it', async () => {
    const turn0 = new Turn({ id: 't0', seq: 1, prompt: 'p', replyRef: null });
    const all = lines('stream-reset.ndjson');
    const retryAt = all.findIndex((m) => m.type === 'system' && m.subtype === 'api_retry');
    for (const m of all.slice(0, retryAt - 1)) turn0.feed(m); // up to the message_stop with abandoned_blocks
    expect(turn0.text).toBe('partial attempt that breaks off');
    turn0.feed(all[retryAt - 1]!);
    expect(turn0.text).toBe('');

    const { turn, texts, ending } = play('stream-reset.ndjson');
    expect(texts.slice(0, 2)).toEqual(['partial attempt that breaks off', '']); // streamed, then taken back
    expect(turn.text).toBe('echo: hello RESET (turn 1)');
    expect(turn.parts.parts).toEqual([{ kind: 'text', text: 'echo: hello RESET (turn 1)' }]);
    expect(ending.outcome).toBe('success');
    expect((await turn.done).text).toBe('echo: hello RESET (turn 1)');
  });

  it('without abandoned_blocks (older CLIs), api_retry drops the open message\'s unfinished text', () => {
    const turn = new Turn({ id: 't', seq: 1, prompt: 'p', replyRef: null });
    const all = lines('stream-reset.ndjson').map((m) => {
      const { abandoned_blocks: _gone, ...rest } = m as KnownMessage & { abandoned_blocks?: unknown };
      return rest as KnownMessage;
    }).filter((m) => !(m.type === 'stream_event' && m.event.type === 'message_stop')); // the stream just broke
    const retryAt = all.findIndex((m) => m.type === 'system' && m.subtype === 'api_retry');
    for (const m of all.slice(0, retryAt)) turn.feed(m);
    expect(turn.text).toBe('partial attempt that breaks off');
    turn.feed(all[retryAt]!);
    expect(turn.text).toBe('');
    for (const m of all.slice(retryAt + 1)) turn.feed(m);
    expect(turn.text).toBe('echo: hello RESET (turn 1)');
  });

  it('malformed SSE: the CLI falls back to a non-streamed request; its text is the answer', async () => {
    const { turn } = play('malformed-sse.ndjson');
    expect(turn.text).toBe('echo: hello MALFORMED (turn 1)');
    expect(turn.parts.parts).toEqual([{ kind: 'text', text: 'echo: hello MALFORMED (turn 1)' }]);
    expect((await turn.done).outcome).toBe('success');
  });

  it('a success ends with the result line\'s text even if a stale partial was never retracted', () => {
    const turn = new Turn({ id: 't', seq: 1, prompt: 'p', replyRef: null });
    const ev = (event: unknown) => ({ type: 'stream_event', event, parent_tool_use_id: null, session_id: 's', uuid: 'u' }) as unknown as KnownMessage;
    turn.feed(ev({ type: 'message_start', message: { id: 'm1' } }));
    turn.feed(ev({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }));
    turn.feed(ev({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'half an ans' } }));
    const result = lines('stream-reset.ndjson').find((m) => m.type === 'result')!;
    turn.feed(result);
    turn.end({ outcome: 'success', costUsd: 0, inputTokens: 0, outputTokens: 0, durationMs: 0, text: turn.text });
    expect(turn.text).toBe('echo: hello RESET (turn 1)');
  });
});

describe('system/api_retry', () => {
  it('is exposed while the CLI waits, and cleared when the answer flows', () => {
    const { retries, turn } = play('overloaded-then-ok.ndjson', () => 1000);
    expect(retries.filter(Boolean).map((r) => [r!.attempt, r!.status, r!.error])).toEqual([[1, 529, 'overloaded'], [2, 529, 'overloaded']]);
    expect(retries.at(-1)).toBeNull();
    expect(turn.retry).toBeNull();
    expect(turn.text).toBe('echo: hello OVERLOADED:2 (turn 1)');
  });

  it('reads as a plain sentence with a countdown', () => {
    const r: ApiRetry = { attempt: 3, maxRetries: 10, delayMs: 8000, status: 529, error: 'overloaded', at: 10_000 };
    expect(retryNote(r, 10_000)).toBe("Claude's API is overloaded — retry 3 in 8 s");
    expect(retryNote({ ...r, attempt: 2, delayMs: 4000, status: 500, error: 'server_error' }, 10_000)).toBe("Claude's API failed (500) — retry 2 in 4 s");
    expect(retryNote({ ...r, status: null, error: 'unknown' }, 17_000)).toBe("Claude's API did not answer (connection failed) — retry 3 in 1 s");
    expect(retryNote(r, 30_000)).toBe("Claude's API is overloaded — retry 3 now");
  });
});

describe('a failed turn says why, in plain words', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['not-logged-in.ndjson', 'CLAUDE_NOT_LOGGED_IN', /not logged in[^]*npm run login/i],
    ['invalid-key.ndjson', 'CLAUDE_AUTH_FAILED', /refused the bot's credentials[^]*npm run login/],
    ['overloaded-gave-up.ndjson', 'CLAUDE_OVERLOADED', /overloaded/],
    ['500-gave-up.ndjson', 'CLAUDE_API_FAILED', /failed \(500\)/],
  ];
  for (const [file, code, text] of cases) {
    it(`${file} → ${code}`, async () => {
      const { turn, ending } = play(file);
      expect(ending.outcome).toBe('error');
      expect(ending.error!.code).toBe(code);
      expect(ending.error!.userMessage).toMatch(text);
      expect(ending.error!.userMessage).not.toMatch(/success|API Error|·/); // no raw CLI text, never "error: success"
      expect(String((ending.error!.cause as Error).message)).toMatch(/Claude Code: /); // the raw text, for the log
      expect(turn.text).toBe(''); // the CLI's synthetic error message is not Claude's answer
      expect((await turn.done).outcome).toBe('error');
    });
  }

  it('the same without the assistant line (result fields alone)', () => {
    for (const [file, code] of cases) {
      const result = lines(file).find((m) => m.type === 'result') as SDKResultMessage;
      expect(turnEnding(result, false, turnStats(result, 0)).error!.code).toBe(code);
    }
  });

  it('an interrupted turn stays interrupted', () => {
    const result = lines('overloaded-gave-up.ndjson').find((m) => m.type === 'result') as SDKResultMessage;
    expect(turnEnding(result, true, turnStats(result, 0)).outcome).toBe('interrupted');
  });
});
