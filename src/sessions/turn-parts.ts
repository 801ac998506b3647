/**
 * What a turn did, in order: runs of answer text and the tool calls between them, with their
 * results, and the tokens used so far. Built from the stream-json output (Agent SDK message types:
 * `stream_event` text deltas, `assistant` `tool_use` blocks, `user` `tool_result` blocks,
 * `assistant.message.usage` per API message). Main thread only: a sub-agent's inner steps
 * (`parent_tool_use_id` set) are part of its own tool call.
 */
import type { KnownMessage } from '../claude/stream-json.js';

/** One tool call of the turn. */
export interface ToolCall {
  /** The API's `tool_use` id. */
  id: string;
  /** Tool name as Claude Code names it (`Bash`, `Edit`, `Read`, `mcp__server__tool`…). */
  name: string;
  input: Record<string, unknown>;
  /** Set once its `tool_result` came back. */
  result?: { text: string; isError: boolean };
}

export type TurnPart = { kind: 'text'; text: string } | { kind: 'tool'; call: ToolCall };

type Usage = { input_tokens?: number; output_tokens?: number; cache_read_input_tokens?: number | null; cache_creation_input_tokens?: number | null };

export class TurnParts {
  readonly parts: TurnPart[] = [];
  private readonly calls = new Map<string, ToolCall>();
  private readonly usage = new Map<string, number>();

  /** Takes one output line; `true` when it changed anything here. */
  feed(msg: KnownMessage): boolean {
    if (msg.type === 'stream_event' && msg.parent_tool_use_id === null) {
      const ev = msg.event;
      if (ev.type === 'content_block_start' && ev.content_block.type === 'text') this.parts.push({ kind: 'text', text: '' });
      else if (ev.type === 'content_block_delta' && ev.delta.type === 'text_delta') this.appendText(ev.delta.text);
      else return false;
      return true;
    }
    if (msg.type === 'assistant' && msg.parent_tool_use_id === null) {
      const m = msg.message as { id?: string; usage?: Usage; content: Array<{ type: string; id?: string; name?: string; input?: unknown }> };
      if (m.usage && m.id) this.usage.set(m.id, tokensOf(m.usage));
      for (const b of m.content) {
        if (b.type !== 'tool_use' || !b.id || this.calls.has(b.id)) continue;
        const call: ToolCall = { id: b.id, name: b.name ?? 'tool', input: (b.input ?? {}) as Record<string, unknown> };
        this.calls.set(call.id, call);
        this.parts.push({ kind: 'tool', call });
      }
      return true;
    }
    if (msg.type === 'user' && msg.parent_tool_use_id === null && Array.isArray(msg.message.content)) {
      let changed = false;
      for (const b of msg.message.content as Array<{ type: string; tool_use_id?: string; content?: unknown; is_error?: boolean }>) {
        const call = b.type === 'tool_result' && b.tool_use_id ? this.calls.get(b.tool_use_id) : undefined;
        if (!call) continue;
        call.result = { text: resultText(b.content), isError: b.is_error === true };
        changed = true;
      }
      return changed;
    }
    return false;
  }

  /** The tool call running now (asked for, no result yet), if any. */
  get running(): ToolCall | null {
    for (let i = this.parts.length - 1; i >= 0; i--) {
      const p = this.parts[i]!;
      if (p.kind === 'tool' && !p.call.result) return p.call;
    }
    return null;
  }

  /** Tokens of the API messages so far (input incl. cache reads and writes, plus output). */
  get tokens(): number {
    let n = 0;
    for (const t of this.usage.values()) n += t;
    return n;
  }

  /** Forgets everything (the prompt is being sent again to a new process). */
  reset(): void {
    this.parts.length = 0;
    this.calls.clear();
    this.usage.clear();
  }

  private appendText(delta: string): void {
    const last = this.parts.at(-1);
    if (last?.kind === 'text') last.text += delta;
    else this.parts.push({ kind: 'text', text: delta });
  }
}

function tokensOf(u: Usage): number {
  return (u.input_tokens ?? 0) + (u.cache_read_input_tokens ?? 0) + (u.cache_creation_input_tokens ?? 0) + (u.output_tokens ?? 0);
}

/** A `tool_result`'s content (a string, or text blocks) as text. */
function resultText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((b: { type?: string; text?: string }) => (b.type === 'text' ? b.text ?? '' : `[${b.type ?? 'content'}]`)).join('\n');
}
