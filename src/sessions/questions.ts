/**
 * Claude's clarifying questions (the `AskUserQuestion` tool) and plan approvals (`ExitPlanMode`),
 * as the domain sees them. Both arrive as `can_use_tool` control requests; a question is answered
 * with `behavior: "allow"` and `updatedInput` = the tool's input plus `answers`, an object from each
 * question's text to the chosen option's label (several labels joined with ", " for a multi-select
 * question; the user's own words for "Other") — Agent SDK docs, "Handle approvals and user input";
 * checked on Claude Code 2.1.330, whose tool result then reads `Your questions have been answered:
 * "<question>"="<answer>". …`. A plan is approved with `allow` (plus `updatedPermissions` `setMode
 * acceptEdits` for "approve and accept edits") or sent back with `deny` and the user's feedback.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { PermissionUpdate } from '@anthropic-ai/claude-agent-sdk';
import type { KnownMessage } from '../claude/stream-json.js';

/** One question of an `AskUserQuestion` request (Agent SDK `AskUserQuestionInput`, `sdk-tools.d.ts`). */
export interface Question {
  question: string;
  /** Very short label (≤ 12 chars by the tool's schema). */
  header: string;
  options: Array<{ label: string; description: string }>;
  multiSelect: boolean;
}

/** The questions of an `AskUserQuestion` input; `null` when the input is not of that shape. */
export function parseQuestions(input: Record<string, unknown>): Question[] | null {
  const raw = input.questions;
  if (!Array.isArray(raw) || raw.length === 0) return null;
  const out: Question[] = [];
  for (const q of raw as Array<Record<string, unknown>>) {
    if (typeof q?.question !== 'string' || !Array.isArray(q.options)) return null;
    const options = (q.options as Array<Record<string, unknown>>).map((o) => ({
      label: typeof o?.label === 'string' ? o.label : '', description: typeof o?.description === 'string' ? o.description : '',
    }));
    if (options.some((o) => o.label === '')) return null;
    out.push({ question: q.question, header: typeof q.header === 'string' ? q.header : '', options, multiSelect: q.multiSelect === true });
  }
  return out;
}

/** `updatedInput` for answered questions: the input as asked, plus `answers` keyed by question text. */
export function answeredInput(input: Record<string, unknown>, questions: readonly Question[], answers: readonly string[]): Record<string, unknown> {
  return { ...input, answers: Object.fromEntries(questions.map((q, i) => [q.question, answers[i] ?? ''])) };
}

/** How the owner settles a plan: approve it, approve it and let file edits through, or keep planning. */
export type PlanChoice = 'approve' | 'accept-edits' | 'keep-planning';

/** The permission update that goes with "approve and accept edits" (Agent SDK `PermissionUpdate`). */
export const ACCEPT_EDITS: PermissionUpdate = { type: 'setMode', mode: 'acceptEdits', destination: 'session' };

/** The message Claude gets when the owner keeps planning (the `deny` answer's text). */
export function keepPlanningMessage(feedback: string): string {
  const said = feedback.trim();
  return said
    ? `The user wants to keep planning and did not approve the plan yet. Their feedback: ${said}`
    : 'The user wants to keep planning and did not approve the plan yet.';
}

/** Plan files larger than this are not read whole, bytes. */
const PLAN_READ_LIMIT = 1024 * 1024;

/**
 * The plan file a main-thread `assistant` message writes, if any: in plan mode Claude Code 2.1.330
 * has Claude write its plan with `Write`/`Edit` to `<config home>/plans/<name>.md` (the path is in
 * its plan-mode instructions), and `ExitPlanMode`'s input no longer carries the plan: it is read
 * from that file.
 */
export function planFileWritten(msg: KnownMessage, claudeConfigDir: string): string | null {
  if (msg.type !== 'assistant' || msg.parent_tool_use_id !== null) return null;
  const dir = path.join(claudeConfigDir, 'plans') + path.sep;
  for (const block of msg.message.content) {
    if (block.type !== 'tool_use' || !['Write', 'Edit', 'MultiEdit'].includes(block.name)) continue;
    const file = (block.input as { file_path?: unknown }).file_path;
    if (typeof file === 'string' && path.resolve(file).startsWith(dir) && file.endsWith('.md')) return path.resolve(file);
  }
  return null;
}

/** The plan's text: `input.plan` when the CLI sends one, else the plan file; `null` when neither is readable. */
export function readPlan(input: Record<string, unknown>, planFile: string | null): string | null {
  if (typeof input.plan === 'string' && input.plan.trim() !== '') return input.plan;
  if (!planFile) return null;
  try {
    const fd = fs.openSync(planFile, 'r');
    try {
      const buf = Buffer.alloc(PLAN_READ_LIMIT);
      const n = fs.readSync(fd, buf, 0, PLAN_READ_LIMIT, 0);
      return buf.subarray(0, n).toString('utf8');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return null;
  }
}
