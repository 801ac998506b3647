/**
 * Claude's todo list, as the session's output tells it. Claude Code 2.1.330 keeps it with one of two
 * tool sets, and this follows whichever it uses:
 * - the task tools (`TaskCreate {subject, description, activeForm?}`, `TaskUpdate {taskId, status?,
 *   subject?, activeForm?}`, `TaskList`; sdk-tools.d.ts), offered when `CLAUDE_CODE_ENABLE_TASKS`
 *   is not `false` and the model is one the CLI lists or `CLAUDE_CODE_ENABLE_TODO_TOOLS=true`. A
 *   created task's id comes back in the `user` line's `tool_use_result` (`{task: {id, subject}}`)
 *   and in the result text ("Task #1 created successfully: …"); `TaskList`'s `tool_use_result`
 *   (`{tasks: [...]}`) is the whole list;
 * - `TodoWrite {todos: [{content, status, activeForm}]}`, the whole list each time, offered with
 *   `CLAUDE_CODE_ENABLE_TASKS=false` and `CLAUDE_CODE_ENABLE_TODO_TOOLS=true`.
 * Main thread only; tasks live as long as the session's process (the list is not stored).
 */
import type { KnownMessage } from '../claude/stream-json.js';

export type TodoStatus = 'pending' | 'in_progress' | 'completed';

export interface TodoItem {
  /** The task id (task tools), or the position in the list (`TodoWrite`). */
  id: string;
  subject: string;
  status: TodoStatus;
  /** Shown while in progress ("Running tests"), when Claude gave one. */
  activeForm?: string;
}

/** The tools that keep the todo list; their calls show as the checklist, not as tool lines. */
export const TODO_TOOLS: ReadonlySet<string> = new Set(['TodoWrite', 'TaskCreate', 'TaskUpdate', 'TaskList', 'TaskGet']);

type ToolUse = { type: string; id?: string; name?: string; input?: Record<string, unknown> };
type ToolResult = { type: string; tool_use_id?: string; content?: unknown; is_error?: boolean };

export class TodoBoard {
  private readonly items = new Map<string, TodoItem>();
  /** Task tool calls waiting for their result, by `tool_use` id. */
  private readonly pending = new Map<string, { name: string; input: Record<string, unknown> }>();

  /** The list, in creation order (`deleted` tasks dropped). */
  get list(): TodoItem[] {
    return [...this.items.values()];
  }

  /** Takes one output line; `true` when the list changed. */
  feed(msg: KnownMessage): boolean {
    if (msg.type === 'assistant' && msg.parent_tool_use_id === null) {
      let changed = false;
      for (const b of msg.message.content as ToolUse[]) {
        if (b.type !== 'tool_use' || !b.name || !TODO_TOOLS.has(b.name)) continue;
        const input = b.input ?? {};
        if (b.name === 'TodoWrite') changed = this.replace(input.todos) || changed;
        else if (b.id) this.pending.set(b.id, { name: b.name, input });
      }
      return changed;
    }
    if (msg.type !== 'user' || msg.parent_tool_use_id !== null || !Array.isArray(msg.message.content)) return false;
    const results = (msg.message.content as ToolResult[]).filter((b) => b.type === 'tool_result' && b.tool_use_id && this.pending.has(b.tool_use_id));
    let changed = false;
    for (const r of results) {
      const call = this.pending.get(r.tool_use_id!)!;
      this.pending.delete(r.tool_use_id!);
      if (r.is_error) continue;
      const structured = results.length === 1 ? (msg as { tool_use_result?: unknown }).tool_use_result : undefined;
      changed = this.apply(call.name, call.input, textOf(r.content), structured) || changed;
    }
    return changed;
  }

  private apply(name: string, input: Record<string, unknown>, text: string, structured: unknown): boolean {
    if (name === 'TaskCreate') {
      const task = (structured as { task?: { id?: unknown } } | undefined)?.task;
      const id = typeof task?.id === 'string' ? task.id : /#(\d+)/.exec(text)?.[1];
      if (!id || typeof input.subject !== 'string') return false;
      this.items.set(id, { id, subject: input.subject, status: 'pending', ...(typeof input.activeForm === 'string' ? { activeForm: input.activeForm } : {}) });
      return true;
    }
    if (name === 'TaskUpdate' && typeof input.taskId === 'string') {
      const id = input.taskId;
      if (input.status === 'deleted') return this.items.delete(id);
      const old = this.items.get(id) ?? { id, subject: `Task #${id}`, status: 'pending' as TodoStatus };
      const next: TodoItem = {
        ...old,
        ...(typeof input.subject === 'string' ? { subject: input.subject } : {}),
        ...(isStatus(input.status) ? { status: input.status } : {}),
        ...(typeof input.activeForm === 'string' ? { activeForm: input.activeForm } : {}),
      };
      this.items.set(id, next);
      return true;
    }
    if (name === 'TaskList') {
      const tasks = (structured as { tasks?: unknown } | undefined)?.tasks;
      if (!Array.isArray(tasks)) return false;
      const before = JSON.stringify(this.list);
      const known = new Map(this.items);
      this.items.clear();
      for (const t of tasks as Array<{ id?: unknown; subject?: unknown; status?: unknown }>) {
        if (typeof t.id !== 'string' || typeof t.subject !== 'string') continue;
        this.items.set(t.id, { ...known.get(t.id), id: t.id, subject: t.subject, status: isStatus(t.status) ? t.status : 'pending' });
      }
      return JSON.stringify(this.list) !== before;
    }
    return false;
  }

  private replace(todos: unknown): boolean {
    if (!Array.isArray(todos)) return false;
    this.items.clear();
    todos.forEach((t: { content?: unknown; status?: unknown; activeForm?: unknown }, i) => {
      if (typeof t.content !== 'string') return;
      const id = String(i + 1);
      this.items.set(id, { id, subject: t.content, status: isStatus(t.status) ? t.status : 'pending', ...(typeof t.activeForm === 'string' ? { activeForm: t.activeForm } : {}) });
    });
    return true;
  }
}

function isStatus(s: unknown): s is TodoStatus {
  return s === 'pending' || s === 'in_progress' || s === 'completed';
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  return Array.isArray(content) ? content.map((b: { text?: string }) => b.text ?? '').join('') : '';
}
