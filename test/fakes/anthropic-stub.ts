/**
 * A local stub of the Anthropic Messages API (`POST /v1/messages`), enough for the real `claude` CLI.
 *
 * Protocol source: Anthropic Messages API streaming docs — SSE events `message_start`,
 * `content_block_start`, `content_block_delta` (`text_delta`), `content_block_stop`,
 * `message_delta` (stop_reason, usage), `message_stop`. Claude Code calls
 * `POST /v1/messages?beta=true`; its `messages` may contain `role:"system"` entries.
 *
 * The answer depends on the history received, so a test can prove context carried over:
 * `echo: <last prompt> (turn <number of user prompts in the history>)`, then what it got of any
 * image blocks in the newest user message (`stub-images.ts`).
 * A prompt containing `SLOW` streams its answer in many small pieces with a delay
 * (`slowDelayMs`), long enough for a test to interrupt it; `SLOW:<n>` streams `n` pieces.
 * A prompt `TOOL:<shell command>` makes the answer a Bash `tool_use` of that command; once the
 * history ends with its `tool_result`, the answer is `ran: <result text>`. `USE:<Tool> <JSON input>`
 * asks for any tool the same way (e.g. `USE:Write {"file_path":"/abs/a.txt","content":"hi"}`,
 * `USE:AskUserQuestion {"questions":[…]}`, `USE:mcp__<server>__<tool> {…}`); `PLAN:<text>` in plan
 * mode writes the plan file and asks to leave plan mode (`stub-plans.ts`).
 * A message the user steered into the running turn reaches the API as a trailing `role:"system"`
 * entry ("The user sent a new message while you were working:\n<text>…", Claude Code 2.1.330); the
 * answer then ends with ` · steered: <text>`.
 *
 * Faults, keyed on the prompt (counted per request for that prompt, so the CLI's retries see them):
 * - `OVERLOADED:<n>` — the first `n` requests get `529 {"type":"error","error":{"type":"overloaded_error",…}}`;
 * - `FAIL500:<n>` — the first `n` requests get `500 {"type":"error","error":{"type":"api_error",…}}`;
 * - `RESET` — the first request streams part of the answer (`partial attempt …`), then the socket is destroyed;
 * - `MALFORMED` — the first request streams part of the answer, then an SSE event whose data is not JSON;
 * - `MAXTOKENS` — the answer stops with `stop_reason: "max_tokens"` (cut off at the output limit);
 * - `UNAUTHORIZED` — every request gets `401 {"type":"error","error":{"type":"authentication_error",…}}`.
 * Error bodies follow the Messages API's error shape (Anthropic API docs, "Errors").
 * Usage limits (`LIMITWARN`, `USAGELIMIT:<s>`) and scripted tool calls (`STEPS:[…]`): `stub-limits.ts`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { planStep } from './stub-plans.js';
import { limitsAndSteps } from './stub-limits.js';
import { describeImages, isImageNote } from './stub-images.js';

export interface StubRequest {
  readonly path: string;
  readonly body: { model?: string; stream?: boolean; messages?: Array<{ role: string; content: unknown }> };
}

export interface AnthropicStub {
  readonly url: string;
  readonly requests: StubRequest[];
  close(): Promise<void>;
}

export interface AnthropicStubOptions {
  /** Delay between pieces of a `SLOW` answer, ms. */
  slowDelayMs?: number;
  /** Number of pieces a `SLOW` answer streams. */
  slowPieces?: number;
}

type Block = { type?: string; text?: string };

/**
 * The user's prompts in a request, oldest first: user text blocks other than the CLI's own
 * insertions (`<system-reminder>`-style blocks, `[Request interrupted by user]` markers). The CLI
 * merges consecutive user messages into one, so prompts are counted per block, not per message.
 */
export function userPrompts(messages: StubRequest['body']['messages'] = []): string[] {
  const prompts: string[] = [];
  for (const m of messages) {
    if (m.role !== 'user') continue;
    const blocks: Block[] = typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : (m.content as Block[]);
    for (const b of blocks) {
      if (b.type !== 'text' || typeof b.text !== 'string') continue;
      const t = b.text.trimStart();
      if (t.startsWith('<') || t.startsWith('[Request interrupted') || isImageNote(t)) continue;
      prompts.push(b.text);
    }
  }
  return prompts;
}

/** Start the stub on 127.0.0.1 with an ephemeral port. */
export async function startAnthropicStub(opts: AnthropicStubOptions = {}): Promise<AnthropicStub> {
  const slowDelayMs = opts.slowDelayMs ?? 200;
  const slowPieces = opts.slowPieces ?? 100;
  const requests: StubRequest[] = [];
  const attempts = new Map<string, number>();

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      if (req.method !== 'POST' || !path.startsWith('/v1/messages')) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ type: 'error', error: { type: 'not_found_error', message: `no route ${path}` } }));
        return;
      }
      let body: StubRequest['body'];
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        res.writeHead(400).end();
        return;
      }
      requests.push({ path, body });
      if (path.startsWith('/v1/messages/count_tokens')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ input_tokens: 10 }));
        return;
      }
      const step = planStep(body.messages, userPrompts(body.messages).at(-1) ?? ''); // `PLAN:` (stub-plans.ts)
      if (step) {
        void answerToolUse(res, body, step.name, step.input);
        return;
      }
      // Usage limits and scripted tool calls (test/fakes/stub-limits.ts): handled there when the prompt asks.
      const tools = { answerToolUse: (name: string, input: Record<string, unknown>) => void answerToolUse(res, body, name, input), answerText: (text: string) => void answer(res, body, text, 1, 0) };
      if (limitsAndSteps(res, body.messages ?? [], userPrompts(body.messages).at(-1) ?? '', tools)) return;
      const steered = steeringNotes(body.messages).map((t) => ` · steered: ${t}`).join('');
      const toolResult = lastToolResult(body.messages);
      if (toolResult !== null) {
        void answer(res, body, `ran: ${toolResult}${steered}`, 1, 0);
        return;
      }
      const prompts = userPrompts(body.messages);
      const last = prompts.at(-1) ?? '';
      const tool = /^TOOL:(.+)$/s.exec(last);
      if (tool) {
        void answerToolUse(res, body, 'Bash', { command: tool[1]!.trim(), description: 'stub tool call' });
        return;
      }
      const use = /^USE:(\w+) (\{.*\})$/s.exec(last);
      if (use) {
        void answerToolUse(res, body, use[1]!, JSON.parse(use[2]!) as Record<string, unknown>);
        return;
      }
      const text = `echo: ${last} (turn ${prompts.length})${describeImages(body.messages)}`;
      const attempt = (attempts.get(`${prompts.length}:${last}`) ?? 0) + 1;
      attempts.set(`${prompts.length}:${last}`, attempt);
      if (fault(res, body, last, attempt)) return;
      const slow = /SLOW(?::(\d+))?/.exec(last);
      const pieces = slow ? Number(slow[1] ?? slowPieces) : 1;
      void answer(res, body, text, pieces, slow ? slowDelayMs : 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Anthropic's error body (API docs, "Errors"): `{ type: 'error', error: { type, message } }`. */
function apiError(res: http.ServerResponse, status: number, type: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_stub_${++messageCounter}` });
  res.end(JSON.stringify({ type: 'error', error: { type, message } }));
}

/** Text the first, broken attempt of a `RESET`/`MALFORMED` answer streams before it breaks. */
export const PARTIAL_ATTEMPT = 'partial attempt that breaks off';

/** Answers with the prompt's fault for this attempt (see the file's header); `false` when there is none. */
function fault(res: http.ServerResponse, body: StubRequest['body'], prompt: string, attempt: number): boolean {
  if (prompt.includes('UNAUTHORIZED')) {
    apiError(res, 401, 'authentication_error', 'invalid x-api-key');
    return true;
  }
  const overloaded = /OVERLOADED:(\d+)/.exec(prompt);
  if (overloaded && attempt <= Number(overloaded[1])) {
    apiError(res, 529, 'overloaded_error', 'Overloaded');
    return true;
  }
  const failing = /FAIL500:(\d+)/.exec(prompt);
  if (failing && attempt <= Number(failing[1])) {
    apiError(res, 500, 'api_error', 'Internal server error');
    return true;
  }
  if (prompt.includes('MAXTOKENS')) {
    void answer(res, body, `${PARTIAL_ATTEMPT} at the output limit`, 1, 0, 'max_tokens');
    return true;
  }
  const broken = /\b(RESET|MALFORMED)\b/.exec(prompt);
  if (broken && attempt === 1) {
    void breakOff(res, body, broken[1] as 'RESET' | 'MALFORMED');
    return true;
  }
  return false;
}

/** Streams {@link PARTIAL_ATTEMPT}, then breaks: the socket is destroyed (`RESET`) or a non-JSON event arrives (`MALFORMED`). */
async function breakOff(res: http.ServerResponse, body: StubRequest['body'], how: 'RESET' | 'MALFORMED') {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  send('message_start', { type: 'message_start', message: { id: `msg_stub_${++messageCounter}`, type: 'message', role: 'assistant', model: body.model ?? 'claude-stub', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 12, output_tokens: 1 } } });
  send('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
  send('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: PARTIAL_ATTEMPT } });
  await new Promise((r) => setTimeout(r, 300)); // long enough for the partial text to reach the CLI's output
  if (how === 'MALFORMED') {
    res.write('event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_de\n\n');
    res.end();
  } else res.destroy();
}

const STEER_NOTE = 'The user sent a new message while you were working:\n';

/** The texts the CLI folded into the running turn: its trailing `system` entries' steering notes. */
function steeringNotes(messages: StubRequest['body']['messages'] = []): string[] {
  const notes: string[] = [];
  for (let i = messages.length - 1; i >= 0 && messages[i]!.role === 'system'; i--) {
    const c = messages[i]!.content;
    const text = typeof c === 'string' ? c : (c as Block[]).map((b) => b.text ?? '').join('');
    const at = text.indexOf(STEER_NOTE);
    if (at >= 0) notes.unshift(text.slice(at + STEER_NOTE.length).split('\n\nThis is how Claude Code surfaces')[0]!);
  }
  return notes;
}

/** The text of a `tool_result` when it is the newest thing in the history (bar `system` entries), else `null`. */
function lastToolResult(messages: StubRequest['body']['messages'] = []): string | null {
  const last = messages.findLast((m) => m.role !== 'system');
  if (last?.role !== 'user' || !Array.isArray(last.content)) return null;
  const result = (last.content as Array<{ type?: string; content?: unknown; is_error?: boolean }>).find((b) => b.type === 'tool_result');
  if (!result) return null;
  const c = result.content;
  const text = typeof c === 'string' ? c : Array.isArray(c) ? c.map((x: { text?: string }) => x.text ?? '').join('') : '';
  return `${result.is_error ? '[error] ' : ''}${text.trim()}`;
}

/** A streamed answer that is one `tool_use` (Messages API: `input_json_delta` carries the input). */
async function answerToolUse(res: http.ServerResponse, body: StubRequest['body'], name: string, input: Record<string, unknown>) {
  const id = `msg_stub_${++messageCounter}`;
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  send('message_start', { type: 'message_start', message: { id, type: 'message', role: 'assistant', model: body.model ?? 'claude-stub', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 12, output_tokens: 1 } } });
  send('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: `toolu_stub_${messageCounter}`, name, input: {} } });
  send('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: JSON.stringify(input) } });
  send('content_block_stop', { type: 'content_block_stop', index: 0 });
  send('message_delta', { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 20 } });
  send('message_stop', { type: 'message_stop' });
  res.end();
}

let messageCounter = 0;

async function answer(res: http.ServerResponse, body: StubRequest['body'], text: string, pieces: number, delayMs: number, stopReason = 'end_turn') {
  const id = `msg_stub_${++messageCounter}`;
  const model = body.model ?? 'claude-stub';
  const usage = { input_tokens: 12, output_tokens: Math.max(1, Math.ceil(text.length / 4)) };
  if (body.stream === false) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({
      id, type: 'message', role: 'assistant', model, content: [{ type: 'text', text }],
      stop_reason: stopReason, stop_sequence: null, usage,
    }));
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  send('message_start', {
    type: 'message_start',
    message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null,
      usage: { input_tokens: usage.input_tokens, output_tokens: 1 } },
  });
  send('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
  for (let i = 0; i < pieces; i++) {
    if (res.destroyed) return;
    const piece = pieces === 1 ? text : i === pieces - 1 ? text : `${i} `;
    send('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: piece } });
    if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
  }
  send('content_block_stop', { type: 'content_block_stop', index: 0 });
  send('message_delta', { type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null },
    usage: { output_tokens: usage.output_tokens } });
  send('message_stop', { type: 'message_stop' });
  res.end();
}
