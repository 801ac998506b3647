/**
 * `ElicitationGate`: an MCP server's requests for input, for one session. Claude Code passes each
 * on as a `control_request` `elicitation` (`mcp_server_name`, `message`, `mode: form | url`,
 * `requested_schema` + `property_order` for a form, `url` + `elicitation_id` for a link; Agent SDK
 * `SDKControlElicitationRequest`) and sends the server our `control_response` `{ action, content? }`
 * (MCP `ElicitResult`; checked on Claude Code 2.1.330). A form Discord cannot show (more than five
 * fields, a field type it has no input for) is declined at once and the user is told why: the MCP
 * result has no place for a reason (2.1.330 passes neither `_meta` nor an error text on; an error
 * answer reaches the server as `cancel`). Unanswered after `timeoutMs` → `cancel`. Answers are
 * stored, so the output replayed after a restart does not ask again.
 */
import { createHash } from 'node:crypto';
import type { BridgeSessionId } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import { encodeControlResponse } from '../claude/input.js';
import type { ControlRequestLine } from '../claude/stream-json.js';
import type { SessionStore } from '../store/types.js';
import { parseFormSchema, type FormField } from './forms.js';

export type ElicitationAction = 'accept' | 'decline' | 'cancel';

export interface ElicitationRequest {
  sessionId: BridgeSessionId;
  /** 12 hex chars from the CLI's `request_id`: the same after a restart. */
  key: string;
  requestId: string;
  serverName: string;
  message: string;
  mode: 'form' | 'url';
  /** With `url`: the link to open. */
  url: string | null;
  /** With `form`: its fields (at most five). */
  fields: FormField[];
  /** Why it cannot be shown in Discord (it was declined at once), else `null`. */
  refusal: string | null;
  turnId: string | null;
}

export interface ElicitationOutcome {
  action: ElicitationAction;
  /** `user`: the owner answered; `refused`: Discord cannot show it; `timeout`; `process-ended`. */
  by: 'user' | 'refused' | 'timeout' | 'process-ended' | 'withdrawn';
  userId: string | null;
  content?: Record<string, unknown>;
}

export interface ElicitationGateOptions {
  sessionId: BridgeSessionId;
  store: SessionStore;
  now: () => number;
  /** How long a request waits before it is cancelled, ms. */
  timeoutMs: number;
  log: Logger;
  write: (line: string) => Promise<void>;
  asked: (req: ElicitationRequest) => void;
  settled: (req: ElicitationRequest, outcome: ElicitationOutcome) => void;
  /** Time is up: the owner posts it to its loop, which calls {@link ElicitationGate.expire}. */
  timedOut: (key: string) => void;
}

export class ElicitationGate {
  private readonly pending = new Map<string, { req: ElicitationRequest; timer: NodeJS.Timeout }>();

  constructor(private readonly o: ElicitationGateOptions) {}

  get waiting(): ElicitationRequest[] {
    return [...this.pending.values()].map((p) => p.req);
  }

  onRequest(msg: ControlRequestLine, turnId: string | null): void {
    if (this.o.store.isPermissionDecided(this.o.sessionId, msg.request_id)) return; // answered before a restart
    if ([...this.pending.values()].some((p) => p.req.requestId === msg.request_id)) return;
    const r = msg.request as ControlRequestLine['request'] & {
      mcp_server_name?: string; message?: string; mode?: string; url?: string; requested_schema?: Record<string, unknown>; property_order?: string[];
    };
    const mode = r.mode === 'url' ? 'url' : 'form';
    const form = mode === 'form' ? parseFormSchema(r.requested_schema, r.property_order) : { ok: true as const, fields: [] };
    const badUrl = mode === 'url' && !/^https?:\/\//i.test(r.url ?? '');
    const req: ElicitationRequest = {
      sessionId: this.o.sessionId, key: createHash('sha256').update(msg.request_id).digest('hex').slice(0, 12), requestId: msg.request_id,
      serverName: r.mcp_server_name ?? 'an MCP server', message: r.message ?? '', mode, url: mode === 'url' ? r.url ?? null : null,
      fields: form.ok ? form.fields : [], refusal: !form.ok ? form.reason : badUrl ? 'its link is not an http(s) address' : null, turnId,
    };
    if (req.refusal) {
      this.o.log.warn({ server: req.serverName, reason: req.refusal }, 'declining an MCP elicitation Discord cannot show');
      void this.answer(req, { action: 'decline', by: 'refused', userId: null });
      return;
    }
    const timer = setTimeout(() => this.o.timedOut(req.key), this.o.timeoutMs);
    timer.unref();
    this.pending.set(req.key, { req, timer });
    this.o.asked(req);
  }

  /** The owner's answer (`content` with `accept` of a form). `false` when the request no longer waits. */
  async respond(key: string, action: ElicitationAction, content: Record<string, unknown> | undefined, userId: string): Promise<boolean> {
    const p = this.pending.get(key);
    if (!p) return false;
    await this.answer(p.req, { action, by: 'user', userId, ...(action === 'accept' && content ? { content } : {}) });
    return true;
  }

  /** The CLI withdrew the request (`control_cancel_request`): stored as settled, nothing written back. */
  withdraw(requestId: string): void {
    const req = this.waiting.find((r) => r.requestId === requestId);
    if (!req) return;
    this.o.store.recordPermission({ sessionId: this.o.sessionId, requestId, tool: `elicitation:${req.serverName}`, decision: 'deny', decidedBy: 'withdrawn', decidedAt: this.o.now() });
    this.settle(req, { action: 'cancel', by: 'withdrawn', userId: null });
  }

  /** Cancels a request whose time is up (no-op when it was answered meanwhile). */
  async expire(key: string): Promise<void> {
    const p = this.pending.get(key);
    if (p) await this.answer(p.req, { action: 'cancel', by: 'timeout', userId: null });
  }

  /** The process ended: nobody waits for these answers any more. */
  dropAll(): void {
    for (const req of this.waiting) this.settle(req, { action: 'cancel', by: 'process-ended', userId: null });
  }

  private async answer(req: ElicitationRequest, outcome: ElicitationOutcome): Promise<void> {
    const result = { action: outcome.action, ...(outcome.content ? { content: outcome.content } : {}) };
    await this.o.write(encodeControlResponse(req.requestId, result)).catch((err) => this.o.log.warn({ err }, 'could not answer an elicitation'));
    this.o.store.recordPermission({
      sessionId: this.o.sessionId, requestId: req.requestId, tool: `elicitation:${req.serverName}`,
      decision: outcome.action === 'accept' ? 'allow' : 'deny', decidedBy: outcome.userId ?? outcome.by, decidedAt: this.o.now(),
    });
    this.o.log.info({ server: req.serverName, action: outcome.action, by: outcome.by }, 'elicitation answered');
    this.settle(req, outcome);
  }

  private settle(req: ElicitationRequest, outcome: ElicitationOutcome): void {
    const p = this.pending.get(req.key);
    if (p) clearTimeout(p.timer);
    this.pending.delete(req.key);
    this.o.settled(req, outcome);
  }
}
