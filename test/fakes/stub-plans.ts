/**
 * The Anthropic stub's plan-mode script: a prompt `PLAN:<plan text>` makes the stub do what Claude
 * does in plan mode on Claude Code 2.1.330 — write the plan with `Write` to the plan file its
 * plan-mode instructions name ("You should create your plan at <path> using the Write tool"), then
 * call `ExitPlanMode` (whose input no longer carries the plan). The tool result of `ExitPlanMode`
 * is then answered by the stub's usual `ran: <result>`, so a test sees whether the plan was
 * approved or sent back, with the user's feedback.
 */
import type { StubRequest } from './anthropic-stub.js';

type Message = NonNullable<StubRequest['body']['messages']>[number];
type Block = { type?: string; text?: string; name?: string; id?: string; tool_use_id?: string; input?: Record<string, unknown> };

const PLAN_PATH = /create your plan at (\/[^\s"\\]+?\.md)/;

/** The tool call the stub answers with for a `PLAN:` prompt at this point of the turn, else `null`. */
export function planStep(messages: Message[] = [], lastPrompt: string): { name: string; input: Record<string, unknown> } | null {
  const plan = /^PLAN:(.+)$/s.exec(lastPrompt);
  if (!plan) return null;
  const last = messages.findLast((m) => m.role !== 'system');
  const blocks = (m: Message | undefined): Block[] => (m && Array.isArray(m.content) ? (m.content as Block[]) : []);
  const result = blocks(last).find((b) => b.type === 'tool_result');
  if (result) {
    // After the plan file was written, ask to leave plan mode; after anything else, let the stub answer.
    const assistant = messages.findLast((m) => m.role === 'assistant');
    const use = blocks(assistant).find((b) => b.type === 'tool_use' && b.id === result.tool_use_id);
    return use?.name === 'Write' ? { name: 'ExitPlanMode', input: {} } : null;
  }
  const file = PLAN_PATH.exec(JSON.stringify(messages))?.[1];
  return file ? { name: 'Write', input: { file_path: file, content: plan[1]!.trim() } } : null;
}
