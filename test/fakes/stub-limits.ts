/**
 * Anthropic stub behaviours for usage limits and scripted tool calls (issue 11, items 4 and 7),
 * hooked into `anthropic-stub.ts` before its own answers. Keyed on the newest user prompt:
 *
 * - `STEPS:<JSON array of [tool name, input, gate?]>` — one `tool_use` per request, in order (the
 *   step is the number of `tool_result`s since the prompt); a step with a gate name waits until the
 *   test calls {@link openGate}. After the last step the answer is `steps done: <last result>`.
 *   E.g. `STEPS:[["TaskCreate",{"subject":"a","description":"a"}],["TaskUpdate",{"taskId":"1","status":"completed"},"g1"]]`.
 * - `LIMITWARN` — the answer carries the plan-limit headers of a 5-hour window past its warning
 *   threshold. Copied from what Claude Code 2.1.330 reads (its bundled code, `anthropic-ratelimit-unified-*`):
 *   `-status: allowed`, `-reset`, `-representative-claim: five_hour`, `-5h-utilization: 0.92`,
 *   `-5h-reset`, `-5h-surpassed-threshold: 0.9`, `-5h-status: allowed_warning`, and a weekly window
 *   at 40 % (`-7d-utilization`, `-7d-reset`, `-7d-status`); the CLI then prints a `rate_limit_event`
 *   with `status: "allowed_warning"` and both windows in `unifiedWindows`.
 * - `USAGELIMIT:<seconds>` — until `<seconds>` after the first request for that prompt, every
 *   request is refused as the plan's usage limit: `429` with `{"type":"error","error":{"type":
 *   "rate_limit_error",…}}` and `anthropic-ratelimit-unified-status: rejected`, `-reset: <epoch s>`,
 *   `-representative-claim: five_hour`, `-5h-status: rejected`, `-5h-utilization: 1`, `-5h-reset`.
 *   Claude Code 2.1.330 turns that into a `rate_limit_event` (`status: "rejected"`, `resetsAt`) and a
 *   `result` with `api_error: "usage_limit_reached"` ("You've hit your 5-hour limit · resets …"),
 *   without retrying. After the reset the prompt is answered as usual.
 *
 * The CLI reads these headers only for a claude.ai login, so tests that use them run the CLI with
 * `CLAUDE_CODE_OAUTH_TOKEN` (any value; the stub checks nothing) and an empty `ANTHROPIC_API_KEY`.
 */
import type http from 'node:http';

type Messages = Array<{ role: string; content: unknown }>;

export interface StubTools {
  answerToolUse(name: string, input: Record<string, unknown>): void;
  answerText(text: string): void;
}

/** Every usage-limit request, in order: refused (429) or answered. */
export const limitLog: Array<{ prompt: string; outcome: 'refused' | 'answered'; at: number }> = [];

const firstSeen = new Map<string, number>();
const gates = new Map<string, { open: () => void; opened: Promise<void> }>();

function gate(name: string) {
  let g = gates.get(name);
  if (!g) {
    let open!: () => void;
    const opened = new Promise<void>((r) => (open = r));
    g = { open, opened };
    gates.set(name, g);
  }
  return g;
}

/** Lets the scripted step waiting on `name` (or the next one to) be answered. */
export function openGate(name: string): void {
  gate(name).open();
}

/**
 * Handles the request when its prompt asks for one of these behaviours; `true` when it answered.
 * `LIMITWARN` only adds headers (`false`: the stub answers as usual).
 */
export function limitsAndSteps(res: http.ServerResponse, messages: Messages, last: string, tools: StubTools): boolean {
  const steps = /^STEPS:(\[.*\])$/s.exec(last);
  if (steps) {
    const script = JSON.parse(steps[1]!) as Array<[string, Record<string, unknown>, string?]>;
    const { done, lastResult } = progress(messages);
    const step = script[done];
    if (!step) tools.answerText(`steps done: ${lastResult}`);
    else if (step[2]) void gate(step[2]).opened.then(() => tools.answerToolUse(step[0], step[1]));
    else tools.answerToolUse(step[0], step[1]);
    return true;
  }
  const now = Date.now();
  if (/\bLIMITWARN\b/.test(last)) {
    const reset = String(Math.floor(now / 1000) + 2 * 3600);
    const weekly = String(Math.floor(now / 1000) + 3 * 86400);
    for (const [k, v] of Object.entries({
      status: 'allowed', reset, 'representative-claim': 'five_hour', '5h-utilization': '0.92', '5h-reset': reset,
      '5h-surpassed-threshold': '0.9', '5h-status': 'allowed_warning', '7d-utilization': '0.4', '7d-reset': weekly, '7d-status': 'allowed',
    })) res.setHeader(`anthropic-ratelimit-unified-${k}`, v);
    return false;
  }
  const limited = /\bUSAGELIMIT:(\d+)\b/.exec(last);
  if (!limited) return false;
  if (!firstSeen.has(last)) firstSeen.set(last, now);
  const resetMs = firstSeen.get(last)! + Number(limited[1]) * 1000;
  if (now >= resetMs) {
    limitLog.push({ prompt: last, outcome: 'answered', at: now });
    return false;
  }
  limitLog.push({ prompt: last, outcome: 'refused', at: now });
  const reset = String(Math.ceil(resetMs / 1000));
  res.writeHead(429, {
    'content-type': 'application/json', 'request-id': `req_stub_limit_${limitLog.length}`,
    'anthropic-ratelimit-unified-status': 'rejected', 'anthropic-ratelimit-unified-reset': reset,
    'anthropic-ratelimit-unified-representative-claim': 'five_hour', 'anthropic-ratelimit-unified-5h-status': 'rejected',
    'anthropic-ratelimit-unified-5h-utilization': '1', 'anthropic-ratelimit-unified-5h-reset': reset,
  });
  res.end(JSON.stringify({ type: 'error', error: { type: 'rate_limit_error', message: 'This request would exceed your account\'s rate limit.' } }));
  return true;
}

/** Tool results since the newest user prompt, and the text of the newest one. */
function progress(messages: Messages): { done: number; lastResult: string } {
  let done = 0;
  let lastResult = '';
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]!;
    if (m.role !== 'user' || !Array.isArray(m.content)) {
      if (m.role === 'user') break;
      continue;
    }
    const blocks = m.content as Array<{ type?: string; text?: string; content?: unknown }>;
    const results = blocks.filter((b) => b.type === 'tool_result');
    if (results.length === 0 && blocks.some((b) => b.type === 'text' && !b.text?.trimStart().startsWith('<'))) break;
    if (done === 0 && results.length > 0) {
      const c = results.at(-1)!.content;
      lastResult = typeof c === 'string' ? c : Array.isArray(c) ? c.map((x: { text?: string }) => x.text ?? '').join('') : '';
    }
    done += results.length;
    if (blocks.some((b) => b.type === 'text' && b.text?.startsWith('STEPS:'))) break;
  }
  return { done, lastResult };
}
