/**
 * What a turn did, in order: runs of answer text and the tool calls between them, with their
 * results, and the tokens used so far. Built from the stream-json output (Agent SDK message types:
 * `stream_event` text deltas, `assistant` `tool_use` blocks, `user` `tool_result` blocks,
 * `assistant.message.usage` per API message). Main thread only: a sub-agent's inner steps
 * (`parent_tool_use_id` set) are part of its own tool call.
 *
 * Only text Claude Code kept counts. When an API request breaks mid-answer (stream reset, malformed
 * SSE) the CLI closes the broken message with a `message_stop` stream event carrying
 * `abandoned_blocks: { api_message_id, from_block_index }` and asks again (Claude Code 2.1.330,
 * checked against the stub): those blocks' text is dropped. A `system/api_retry` while a message
 * is still open drops its unfinished blocks too (older CLIs). A message the CLI fetched without
 * streaming (its fallback after a malformed stream) arrives only as `assistant` messages: their text
 * is taken from there. Synthetic API-error messages (`is_api_error_message`) are not answer text.
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
  /** Which API message and content block each streamed text part came from. */
  private readonly origin = new Map<TurnPart, { msg: string; index: number }>();
  /** API messages whose text arrived as stream events. */
  private readonly streamed = new Set<string>();
  /** {@link text}, kept up to date as text streams in. */
  private joined = '';
  /** What the last {@link feed} appended to {@link text}, or `null` when it changed it otherwise. */
  lastAppend: string | null = null;
  /** The API message streaming now: its id, blocks completed (one `assistant` line each), whether it stopped. */
  private open: { id: string; completed: number; stopped: boolean } | null = null;

  /** Takes one output line; `true` when it changed anything here. */
  feed(msg: KnownMessage): boolean {
    this.lastAppend = null;
    const changed = this.feedLine(msg);
    if (changed && this.lastAppend === null) this.rejoin();
    return changed;
  }

  private feedLine(msg: KnownMessage): boolean {
    if (msg.type === 'stream_event' && msg.parent_tool_use_id === null) return this.feedEvent(msg);
    if (msg.type === 'system' && msg.subtype === 'api_retry') {
      const open = this.open;
      this.open = null;
      return open !== null && !open.stopped && this.abandon(open.id, open.completed);
    }
    if (msg.type === 'assistant' && msg.parent_tool_use_id === null) {
      const m = msg.message as { id?: string; model?: string; usage?: Usage; content: Array<{ type: string; id?: string; name?: string; input?: unknown; text?: string }> };
      if (isApiErrorMessage(msg)) return false;
      if (m.usage && m.id) this.usage.set(m.id, tokensOf(m.usage));
      if (m.id && this.open?.id === m.id) this.open.completed++;
      const streamed = m.id !== undefined && this.streamed.has(m.id);
      for (const b of m.content) {
        if (b.type === 'text' && !streamed && b.text) this.parts.push({ kind: 'text', text: b.text });
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

  /** All answer text so far: the text runs, blank-line separated. */
  get text(): string {
    return this.joined;
  }

  private rejoin(): void {
    this.joined = this.parts.flatMap((p) => (p.kind === 'text' && p.text ? [p.text] : [])).join('\n\n');
  }

  /**
   * Makes the answer's last text run (after the last tool call) Claude Code's final answer, as its
   * `result` line gives it (`SDKResultSuccess.result`): that is the text of the turn's last API
   * message, whatever was streamed. `true` when it changed anything.
   */
  settleFinalText(final: string): boolean {
    if (!final.trim()) return false;
    const lastTool = this.parts.findLastIndex((p) => p.kind === 'tool');
    const tail = this.parts.slice(lastTool + 1).flatMap((p) => (p.kind === 'text' && p.text ? [p.text] : [])).join('\n\n');
    if (same(tail, final) || same(this.text, final)) return false;
    if (!tail) {
      const before = this.parts.findLast((p): p is Extract<TurnPart, { kind: 'text' }> => p.kind === 'text');
      if (before && same(before.text, final)) return false;
    }
    this.parts.splice(lastTool + 1, this.parts.length, { kind: 'text', text: final });
    this.rejoin();
    return true;
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
    this.origin.clear();
    this.streamed.clear();
    this.open = null;
    this.joined = '';
  }

  private feedEvent(msg: Extract<KnownMessage, { type: 'stream_event' }>): boolean {
    const ev = msg.event;
    switch (ev.type) {
      case 'message_start':
        this.open = { id: ev.message.id, completed: 0, stopped: false };
        this.streamed.add(ev.message.id);
        return false;
      case 'message_stop': {
        if (this.open) this.open.stopped = true;
        const gone = (msg as Abandoning).abandoned_blocks;
        return gone ? this.abandon(gone.api_message_id, gone.from_block_index) : false;
      }
      case 'content_block_start':
        if (ev.content_block.type !== 'text') return false;
        this.pushText('', ev.index);
        this.lastAppend = '';
        return true;
      case 'content_block_delta':
        if (ev.delta.type !== 'text_delta') return false;
        this.appendText(ev.delta.text, ev.index);
        return true;
      default:
        return false;
    }
  }

  /** Drops the text of blocks `fromIndex`… of API message `msg` (the CLI abandoned them). */
  private abandon(msg: string, fromIndex: number): boolean {
    const before = this.parts.length;
    for (let i = this.parts.length - 1; i >= 0; i--) {
      const o = this.origin.get(this.parts[i]!);
      if (o && o.msg === msg && o.index >= fromIndex) {
        this.origin.delete(this.parts[i]!);
        this.parts.splice(i, 1);
      }
    }
    return this.parts.length !== before;
  }

  private pushText(text: string, index: number): void {
    const part: TurnPart = { kind: 'text', text };
    this.parts.push(part);
    if (this.open) this.origin.set(part, { msg: this.open.id, index });
  }

  private appendText(delta: string, index: number): void {
    let last = this.parts.at(-1);
    if (last?.kind !== 'text') {
      this.pushText('', index);
      last = this.parts.at(-1)!;
    }
    if (last.kind !== 'text' || !delta) return void (this.lastAppend = '');
    const added = !last.text && this.joined ? `\n\n${delta}` : delta;
    last.text += delta;
    this.joined += added;
    this.lastAppend = added;
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

/**
 * A `stream_event` line closing a broken API message: the CLI adds `abandoned_blocks` next to the
 * `message_stop` event (observed on Claude Code 2.1.330; not in the SDK's `sdk.d.ts`).
 */
type Abandoning = { abandoned_blocks?: { api_message_id: string; from_block_index: number } };

/** A synthetic message Claude Code writes for a failed API call: its text is the CLI's, not Claude's. */
export function isApiErrorMessage(msg: KnownMessage): boolean {
  if (msg.type !== 'assistant') return false;
  const m = msg as { is_api_error_message?: boolean; error?: string; message: { model?: string } };
  return m.is_api_error_message === true || (m.error !== undefined && m.message.model === '<synthetic>');
}

function same(a: string, b: string): boolean {
  return a.trim() === b.trim();
}
