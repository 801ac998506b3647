/**
 * `PermissionGate`: Claude Code's tool permission requests for one session (`--permission-prompt-tool
 * stdio`: a `control_request` `can_use_tool`, answered by a `control_response` with
 * `{ behavior: 'allow', updatedInput }` or `{ behavior: 'deny', message }`; Agent SDK control types,
 * verified on 2.1.330). Requests wait for the owner's decision, are denied after `timeoutMs`, pass at
 * once for tools the owner always allows, and are never asked twice: decisions are stored, and the
 * output replayed after a restart skips the answered ones.
 */
import { createHash } from 'node:crypto';
import type { BridgeSessionId } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import { encodePermissionDecision } from '../claude/input.js';
import type { ControlRequestLine } from '../claude/stream-json.js';
import type { SessionStore } from '../store/types.js';

export interface PermissionRequest {
  sessionId: BridgeSessionId;
  /** Short key for buttons (12 hex chars, from the CLI's `request_id`, which can be long). */
  key: string;
  requestId: string;
  toolName: string;
  input: Record<string, unknown>;
  /** The stored turn it belongs to, if one is running. */
  turnId: string | null;
}

export type PermissionDecision = 'allow' | 'deny' | 'always';
/** How a request ended: answered by a user (`by`), by the always-allow list, by the timeout, or with its process. */
export type PermissionOutcome = { decision: 'allow' | 'deny'; by: 'user' | 'always' | 'timeout' | 'process-ended'; userId: string | null };

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
      toolName: msg.request.tool_name ?? 'unknown tool', input: msg.request.input ?? {}, turnId,
    };
    if (this.o.alwaysAllowed().includes(req.toolName)) {
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
    if (decision === 'always') this.o.setAlwaysAllowed([...new Set([...this.o.alwaysAllowed(), p.req.toolName])]);
    await this.answer(p.req, { decision: decision === 'deny' ? 'deny' : 'allow', by: 'user', userId });
    return true;
  }

  /** The process ended: nothing waits for these answers any more. */
  dropAll(): void {
    for (const req of this.waiting) this.settle(req, { decision: 'deny', by: 'process-ended', userId: null });
  }

  /** Denies a request whose time is up (no-op when it was answered meanwhile). */
  async expire(key: string): Promise<void> {
    const p = this.pending.get(key);
    if (p) await this.answer(p.req, { decision: 'deny', by: 'timeout', userId: null });
  }

  private async answer(req: PermissionRequest, outcome: PermissionOutcome): Promise<void> {
    const message = outcome.by === 'timeout'
      ? `Nobody answered the permission request within ${Math.round(this.o.timeoutMs / 1000)} s, so it was denied.`
      : 'The user denied this from Discord.';
    const line = encodePermissionDecision(req.requestId, outcome.decision === 'allow'
      ? { behavior: 'allow', updatedInput: req.input }
      : { behavior: 'deny', message });
    await this.o.write(line).catch((err) => this.o.log.warn({ err }, 'could not answer a permission request'));
    this.o.store.recordPermission({
      sessionId: this.o.sessionId, requestId: req.requestId, tool: req.toolName, decision: outcome.decision,
      decidedBy: outcome.userId ?? outcome.by, decidedAt: this.o.now(),
    });
    this.o.log.info({ tool: req.toolName, ...outcome }, 'permission decided');
    this.settle(req, outcome);
  }

  private settle(req: PermissionRequest, outcome: PermissionOutcome): void {
    const p = this.pending.get(req.key);
    if (p) clearTimeout(p.timer);
    this.pending.delete(req.key);
    this.o.settled(req, outcome);
  }
}
