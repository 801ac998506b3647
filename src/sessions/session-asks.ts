/**
 * The human in the loop, run from the session's loop: the output lines that ask the user something
 * (tool permissions, Claude's questions and plans — `can_use_tool`; MCP forms and links —
 * `elicitation`), the plan file Claude writes in plan mode, and the session's permission mode —
 * changed with `/claude mode` (the `set_permission_mode` control request where the process lives,
 * else from the next start) or by the CLI itself (a plan approved), and kept for later processes.
 */
import { randomUUID } from 'node:crypto';
import type { PermissionMode } from '@anthropic-ai/claude-agent-sdk';
import { encodeSetPermissionMode } from '../claude/input.js';
import type { KnownMessage } from '../claude/stream-json.js';
import type { SessionInput } from './machine.js';
import type { ElicitationAction, ElicitationRequest } from './elicitations.js';
import type { PermissionAnswer, PermissionRequest, QuestionAnswerResult } from './permissions.js';
import { ACCEPT_EDITS, keepPlanningMessage, planFileWritten, type PlanChoice } from './questions.js';
import { SessionRestore } from './session-restore.js';

type AskInput = Extract<SessionInput, { type: 'question' | 'elicitation' | 'setPermissionMode' }>;

export abstract class SessionAsks extends SessionRestore {
  /** The permission request, question or plan waiting under `key`, if any (read-only view). */
  waitingRequest(key: string): Readonly<PermissionRequest> | null {
    return this.gate.waiting.find((r) => r.key === key) ?? null;
  }

  /** A permission request, question, plan or MCP form waits for the owner's answer. */
  protected get waitsForOwner(): boolean {
    return this.gate.waiting.length > 0 || this.elicitations.waiting.length > 0;
  }

  /** The MCP elicitation waiting under `key`, if any (read-only view). */
  waitingElicitation(key: string): Readonly<ElicitationRequest> | null {
    return this.elicitations.waiting.find((r) => r.key === key) ?? null;
  }

  /**
   * Answers question `index` (0-based) of a waiting `AskUserQuestion` request with `answer` (an
   * option's label, labels joined with ", ", or the user's own words). `complete` once every
   * question of the request is answered (then Claude gets them), `recorded` before, `false` when
   * the request no longer waits.
   */
  async answerQuestion(key: string, index: number, answer: string, userId: string): Promise<QuestionAnswerResult> {
    return (await this.post({ type: 'question', key, index, answer, userId })) as QuestionAnswerResult;
  }

  /**
   * Settles a waiting plan (`ExitPlanMode`): approve it, approve it and let file edits through
   * (`acceptEdits` from now on), or keep planning with the user's `feedback` for Claude. `false`
   * when it no longer waits.
   */
  async decidePlan(key: string, choice: PlanChoice, feedback: string, userId: string): Promise<boolean> {
    const decision: PermissionAnswer = choice === 'keep-planning'
      ? { behavior: 'deny', message: keepPlanningMessage(feedback), summary: 'keep planning' }
      : choice === 'accept-edits'
        ? { behavior: 'allow', updatedPermissions: [ACCEPT_EDITS], summary: 'approved, accepting edits' }
        : { behavior: 'allow', summary: 'approved' };
    return (await this.post({ type: 'permission', key, decision, userId })) as boolean;
  }

  /** Answers a waiting MCP elicitation (`content` with a form's `accept`). `false` when it no longer waits. */
  async answerElicitation(key: string, action: ElicitationAction, content: Record<string, unknown> | undefined, userId: string): Promise<boolean> {
    return (await this.post({ type: 'elicitation', key, action, content, userId })) as boolean;
  }

  /** The permission mode of this session from its next turn on (kept for later processes too). */
  async setPermissionMode(mode: PermissionMode): Promise<void> {
    await this.post({ type: 'setPermissionMode', mode });
  }

  protected async handleAsk(input: AskInput): Promise<unknown> {
    switch (input.type) {
      case 'question': return this.gate.answerQuestion(input.key, input.index, input.answer, input.userId);
      case 'elicitation':
        if (input.action === 'timeout') return this.elicitations.expire(input.key);
        return this.elicitations.respond(input.key, input.action, input.content, input.userId ?? 'unknown');
      case 'setPermissionMode':
        this.patch({ permissionMode: input.mode });
        this.nextPermissionMode = input.mode;
        if (this.rec.state !== 'running') await this.applyPendingMode(); // else before the next turn
        return;
    }
  }

  protected onAskOutput(message: KnownMessage): void {
    if (message.type === 'control_cancel_request') {
      this.gate.withdraw(message.request_id);
      this.elicitations.withdraw(message.request_id);
      return;
    }
    if (message.type === 'control_request') {
      if (message.request.subtype === 'can_use_tool') this.gate.onRequest(message, this.current?.id ?? null);
      else if (message.request.subtype === 'elicitation') this.elicitations.onRequest(message, this.current?.id ?? null);
      return;
    }
    const plan = planFileWritten(message, this.deps.claudeConfigDir);
    if (plan) this.planFile = plan;
    // The CLI reports a mode it switched to by itself (a plan approved → default or acceptEdits)
    // in a `system/status` line (observed on 2.1.330); a later process starts in it.
    const mode = message.type === 'system' ? (message as { subtype?: string; permissionMode?: unknown }) : null;
    if (mode?.subtype === 'status' && typeof mode.permissionMode === 'string' && mode.permissionMode !== this.rec.permissionMode && !this.nextPermissionMode) {
      this.patch({ permissionMode: mode.permissionMode });
    }
  }

  protected async applyPendingMode(): Promise<void> {
    const mode = this.nextPermissionMode;
    this.nextPermissionMode = null;
    if (!mode || !this.link) return; // no process: the next one starts with --permission-mode from the record
    await this.link.handle.write(encodeSetPermissionMode(randomUUID(), mode as PermissionMode))
      .catch((err) => this.log.warn({ err }, 'could not set the permission mode'));
  }
}
