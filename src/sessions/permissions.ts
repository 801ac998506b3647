/**
 * `PermissionGate`: Claude Code's tool permission requests for one session (`--permission-prompt-tool
 * stdio`: a `control_request` `can_use_tool`, answered by a `control_response` with
 * `{ behavior: 'allow', updatedInput }` or `{ behavior: 'deny', message }`; Agent SDK control types,
 * verified on 2.1.330). Requests wait for the owner's decision, are denied after `timeoutMs`, pass at
 * once for tools the owner always allows, and are never asked twice: decisions are stored, and the
 * output replayed after a restart skips the answered ones. Claude's questions (`AskUserQuestion`)
 * and plans (`ExitPlanMode`) come the same way and wait here too, with their own kind (see
 * `questions.ts`): never always-allowed, answered with the user's answers or plan decision.
 */
import { createHash } from 'node:crypto';
import type { PermissionUpdate } from '@anthropic-ai/claude-agent-sdk';
import type { BridgeSessionId } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import { encodePermissionDecision } from '../claude/input.js';
import type { ControlRequestLine } from '../claude/stream-json.js';
import type { SessionStore } from '../store/types.js';
import { answeredInput, parseQuestions, type Question } from './questions.js';

export interface PermissionRequest {
  sessionId: BridgeSessionId;
  /** Short key for buttons (12 hex chars, from the CLI's `request_id`, which can be long). */
  key: string;
  requestId: string;
  toolName: string;
  input: Record<string, unknown>;
  /** The stored turn it belongs to, if one is running. */
  turnId: string | null;
  /** A tool to allow or deny, Claude's questions (`AskUserQuestion`), or a plan to approve (`ExitPlanMode`). */
  kind: 'tool' | 'question' | 'plan';
  /** With `question`: the questions, and the answers given so far (`null` = open), by index. */
  questions?: Question[];
  answers?: Array<{ answer: string; userId: string } | null>;
  /** With `plan`: the plan's text (`null` when it could not be read). */
  plan?: string | null;
}

/**
 * An answer with its own content: `allow` with the input to run the tool with (the questions'
 * answers) and permission updates (a mode change), or `deny` with what Claude is told.
 * `summary` says in a few words what was decided (logs, audit, the prompt's settled text).
 */
export type PermissionAnswer =
  | { behavior: 'allow'; updatedInput?: Record<string, unknown>; updatedPermissions?: PermissionUpdate[]; summary: string }
  | { behavior: 'deny'; message: string; summary: string };
export type PermissionDecision = 'allow' | 'deny' | 'always' | PermissionAnswer;
/** How a request ended: answered by a user (`by`), by the always-allow list, by the timeout, or with its process. */
export type PermissionOutcome = {
  decision: 'allow' | 'deny'; by: 'user' | 'always' | 'timeout' | 'process-ended' | 'withdrawn'; userId: string | null; summary?: string;
};
/** Where an answer to one question of a request stands: recorded (others still open), complete (sent), or not waiting. */
export type QuestionAnswerResult = 'recorded' | 'complete' | false;

export interface PermissionGateOptions {
  sessionId: BridgeSessionId;
  store: SessionStore;
  now: () => number;
  /** How long a request waits for an answer before it is denied, ms. */
  timeoutMs: number;
  log: Logger;
  /** Writes one line to the live process's stdin. */
  write: (line: string) => Promise<void>;
  alwaysAllowed: () => string[];
  setAlwaysAllowed: (tools: string[]) => void;
  asked: (req: PermissionRequest) => void;
  settled: (req: PermissionRequest, outcome: PermissionOutcome) => void;
  /** A request's time is up: the owner posts it to its loop, which calls {@link PermissionGate.expire}. */
  timedOut: (key: string) => void;
  /** The plan of an `ExitPlanMode` request with this input (see `readPlan`). */
  planText?: (input: Record<string, unknown>) => string | null;
}

export class PermissionGate {
  private readonly pending = new Map<string, { req: PermissionRequest; timer: NodeJS.Timeout }>();

  constructor(private readonly o: PermissionGateOptions) {}

  /** Requests waiting for an answer. */
  get waiting(): PermissionRequest[] {
    return [...this.pending.values()].map((p) => p.req);
  }

  onRequest(msg: ControlRequestLine, turnId: string | null): void {
    if (this.o.store.isPermissionDecided(this.o.sessionId, msg.request_id)) return; // answered before a restart
    if ([...this.pending.values()].some((p) => p.req.requestId === msg.request_id)) return;
    const req: PermissionRequest = {
      // Derived from the CLI's id: a prompt posted before a restart still answers the same request.
      sessionId: this.o.sessionId, key: createHash('sha256').update(msg.request_id).digest('hex').slice(0, 12), requestId: msg.request_id,
      toolName: msg.request.tool_name ?? 'unknown tool', input: msg.request.input ?? {}, turnId, kind: 'tool',
    };
    const questions = req.toolName === 'AskUserQuestion' ? parseQuestions(req.input) : null;
    if (questions) {
      const given = this.o.store.listQuestionAnswers(this.o.sessionId, req.requestId); // answered before a restart
      Object.assign(req, { kind: 'question', questions, answers: questions.map((_, i) => {
        const a = given.find((g) => g.question === i);
        return a ? { answer: a.answer, userId: a.answeredBy } : null;
      }) });
    } else if (req.toolName === 'ExitPlanMode') Object.assign(req, { kind: 'plan', plan: this.o.planText?.(req.input) ?? null });
    if (req.kind === 'tool' && this.o.alwaysAllowed().includes(req.toolName)) {
      void this.answer(req, { decision: 'allow', by: 'always', userId: null });
      return;
    }
    const timer = setTimeout(() => this.o.timedOut(req.key), this.o.timeoutMs);
    timer.unref();
    this.pending.set(req.key, { req, timer });
    this.o.asked(req);
  }

  /** The owner's answer. `false` when the request is no longer waiting (answered, timed out, process gone). */
  async decide(key: string, decision: PermissionDecision, userId: string): Promise<boolean> {
    const p = this.pending.get(key);
    if (!p) return false;
    if (typeof decision === 'object') {
      await this.answer(p.req, { decision: decision.behavior, by: 'user', userId, summary: decision.summary }, decision);
      return true;
    }
    if (decision === 'always' && p.req.kind === 'tool') this.o.setAlwaysAllowed([...new Set([...this.o.alwaysAllowed(), p.req.toolName])]);
    await this.answer(p.req, { decision: decision === 'deny' ? 'deny' : 'allow', by: 'user', userId });
    return true;
  }

  /**
   * The owner's answer to question `index` of a waiting `AskUserQuestion` request: stored at once
   * (a restart asks only the open ones); the last open one sends every answer to Claude.
   */
  async answerQuestion(key: string, index: number, answer: string, userId: string): Promise<QuestionAnswerResult> {
    const p = this.pending.get(key);
    const req = p?.req;
    if (!req || req.kind !== 'question' || !req.questions || !req.answers || index < 0 || index >= req.questions.length) return false;
    if (req.answers[index]) return false; // already answered (another click got there first)
    this.o.store.recordQuestionAnswer({ sessionId: this.o.sessionId, requestId: req.requestId, question: index, answer, answeredBy: userId });
    req.answers[index] = { answer, userId };
    if (req.answers.some((a) => a === null)) return 'recorded';
    const answers = req.answers.map((a) => a!.answer);
    await this.answer(req, { decision: 'allow', by: 'user', userId, summary: answers.join(' · ') },
      { behavior: 'allow', updatedInput: answeredInput(req.input, req.questions, answers), summary: '' });
    return 'complete';
  }

  /** The process ended: nothing waits for these answers any more. */
  dropAll(): void {
    for (const req of this.waiting) this.settle(req, { decision: 'deny', by: 'process-ended', userId: null });
  }

  /**
   * The CLI withdrew a request (`control_cancel_request`, e.g. the turn was interrupted): nothing
   * is written back; stored as settled, so the output replayed after a restart does not ask again.
   */
  withdraw(requestId: string): void {
    const req = this.waiting.find((r) => r.requestId === requestId);
    if (!req) return;
    this.o.store.recordPermission({ sessionId: this.o.sessionId, requestId, tool: req.toolName, decision: 'deny', decidedBy: 'withdrawn', decidedAt: this.o.now() });
    this.settle(req, { decision: 'deny', by: 'withdrawn', userId: null });
  }

  /** Denies a request whose time is up (no-op when it was answered meanwhile). */
  async expire(key: string): Promise<void> {
    const p = this.pending.get(key);
    if (p) await this.answer(p.req, { decision: 'deny', by: 'timeout', userId: null });
  }

  private async answer(req: PermissionRequest, outcome: PermissionOutcome, given?: PermissionAnswer): Promise<void> {
    const line = encodePermissionDecision(req.requestId, given?.behavior === 'allow'
      ? { behavior: 'allow', updatedInput: given.updatedInput ?? req.input, ...(given.updatedPermissions ? { updatedPermissions: given.updatedPermissions } : {}) }
      : given?.behavior === 'deny' ? { behavior: 'deny', message: given.message }
      : outcome.decision === 'allow' ? { behavior: 'allow', updatedInput: req.input }
      : { behavior: 'deny', message: this.denial(req, outcome) });
    await this.o.write(line).catch((err) => this.o.log.warn({ err }, 'could not answer a permission request'));
    this.o.store.recordPermission({
      sessionId: this.o.sessionId, requestId: req.requestId, tool: req.toolName, decision: outcome.decision,
      decidedBy: outcome.userId ?? outcome.by, decidedAt: this.o.now(),
    });
    this.o.log.info({ tool: req.toolName, ...outcome }, 'permission decided');
    this.settle(req, outcome);
  }

  /** What Claude is told when a request is denied without words of the user's. */
  private denial(req: PermissionRequest, outcome: PermissionOutcome): string {
    const s = Math.round(this.o.timeoutMs / 1000);
    if (outcome.by !== 'timeout') return 'The user denied this from Discord.';
    if (req.kind === 'question') return `Nobody answered your questions within ${s} s. Carry on without the answers, or ask again later.`;
    if (req.kind === 'plan') return `Nobody answered whether to approve the plan within ${s} s, so it is not approved.`;
    return `Nobody answered the permission request within ${s} s, so it was denied.`;
  }

  private settle(req: PermissionRequest, outcome: PermissionOutcome): void {
    // Over for good (answered, timed out, withdrawn, its process gone): its partial answers are not needed.
    if (req.kind === 'question') this.o.store.deleteQuestionAnswers(this.o.sessionId, req.requestId);
    const p = this.pending.get(req.key);
    if (p) clearTimeout(p.timer);
    this.pending.delete(req.key);
    this.o.settled(req, outcome);
  }
}
