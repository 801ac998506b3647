#!/usr/bin/env node
// A stand-in for `claude` in stream-json mode, for benchmarks of the bridge itself at scale (many
// live sessions without 200 MiB each): each user message on stdin is echoed (`isReplay`, as
// --replay-user-messages does) and answered at once with the lines Claude Code 2.1.330 prints for a
// turn (system/init, a text delta, the assistant message, the result); control requests get a
// success control_response. It writes no transcript.
import readline from 'node:readline';

const out = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);
const sid = process.argv[process.argv.indexOf('--session-id') + 1] ?? 'stub';
let turns = 0;
for await (const line of readline.createInterface({ input: process.stdin })) {
  let msg;
  try { msg = JSON.parse(line); } catch { process.exit(1); }
  if (msg.type === 'control_request') {
    out({ type: 'control_response', response: { subtype: 'success', request_id: msg.request_id } });
    continue;
  }
  if (msg.type !== 'user') continue;
  const text = `echo: ${msg.message.content} (turn ${++turns})`;
  if (msg.uuid) out({ type: 'user', isReplay: true, uuid: msg.uuid, parent_tool_use_id: null, session_id: sid, message: msg.message });
  out({ type: 'system', subtype: 'init', session_id: sid, model: 'stub', cwd: process.cwd(), permissionMode: 'default', tools: [] });
  out({ type: 'stream_event', parent_tool_use_id: null, session_id: sid, uuid: `d${turns}`, event: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } } });
  out({ type: 'assistant', parent_tool_use_id: null, session_id: sid, uuid: `a${turns}`, message: { role: 'assistant', content: [{ type: 'text', text }] } });
  out({ type: 'result', subtype: 'success', is_error: false, result: text, session_id: sid, total_cost_usd: 0.001 * turns,
    usage: { input_tokens: 10, output_tokens: 5 }, duration_ms: 1, num_turns: 1 });
}
