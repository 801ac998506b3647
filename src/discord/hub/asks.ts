/**
 * `HubAsks`: Claude's questions (`AskUserQuestion`) and plans (`ExitPlanMode`) of sessions on
 * runners, shown on the hub as the all-in-one bridge shows them (the same renderers,
 * `render/question.ts` and `render/plan.ts`) and answered with the same handler
 * (`asks/answers.ts` `handleAsk`) through {@link HubAsks.answerer}, which sends the answer to the
 * session's runner (`answer` and `plan` commands) instead of to a session of this process.
 *
 * Once: each message (a question per message, the plan in one) carries a nonce from its request
 * and part with `enforce_nonce` (Discord API docs, "Create Message") and is stored once posted
 * (`hub_prompt_parts`), so a `permission` event handled again — after a hub restart, or replayed
 * by a restarted runner with some questions answered meanwhile — posts only what is missing. A
 * `permissionSettled` (timeout, process ended, withdrawn) edits the messages still open, as the
 * all-in-one's `AskPrompts` does; one settled by a user's answer was already updated by the answer.
 */
import type { Client } from 'discord.js';
import { parseBridgeSessionId } from '../../core/ids.js';
import type { Logger } from '../../core/logger.js';
import type { HubService } from '../../hub/service.js';
import type { HubPlaceOf, HubSession, PermissionAsk, PermissionSettled } from '../../hub/ui.js';
import type { PermissionOutcome, PermissionRequest } from '../../sessions/permissions.js';
import type { PlanChoice } from '../../sessions/questions.js';
import type { AskAnswerer } from '../asks/answers.js';
import { nonceOf } from '../nonce.js';
import { renderPlanClosed, renderPlanPrompt, withPlanHeader } from '../render/plan.js';
import { renderQuestion, renderQuestionClosed } from '../render/question.js';

export interface HubAsksOptions {
  client: () => Client;
  hub: HubService;
  log: Logger;
  now?: () => number;
  /**
   * Runs one Discord call, counting as done one that no retry mends (the channel or message gone,
   * no access: the presenter's `unlessPermanent`), so the event is not delivered forever; by
   * default the call as it is. Resolves `false` when the call met such an error.
   */
  guard?: (what: string, log: Logger, op: () => Promise<void>) => Promise<boolean>;
}

/** The protocol's names of the plan choices (`plan` command). */
const PLAN_CHOICE: Record<PlanChoice, 'approve' | 'edits' | 'keep'> = { approve: 'approve', 'accept-edits': 'edits', 'keep-planning': 'keep' };

/** Whether the hub shows `ask` as a question or plan: the runner sent what that needs (a runner predating it did not; then it is asked as a tool). */
export function isShownAsAsk(ask: PermissionAsk): boolean {
  return (ask.kind === 'question' && (ask.questions?.length ?? 0) > 0) || (ask.kind === 'plan' && ask.plan !== undefined);
}

/** The request as the renderers and `handleAsk` know it, from a `permission` event. */
export function requestOf(ask: PermissionAsk): PermissionRequest {
  return {
    sessionId: parseBridgeSessionId(ask.sessionId), key: ask.key, requestId: ask.key, toolName: ask.tool, input: ask.input, turnId: ask.turnId, kind: ask.kind,
    ...(ask.kind === 'question' ? { questions: ask.questions ?? [], answers: ask.questions?.map((_, i) => ask.answers?.[i] ?? null) ?? [] } : {}),
    ...(ask.kind === 'plan' ? { plan: ask.plan ?? null } : {}),
  };
}

export class HubAsks {
  /** Prompts being posted, by `<session>:<key>`: a settlement handled meanwhile waits for them. */
  private readonly posting = new Map<string, Promise<unknown>>();
  private readonly now: () => number;

  private readonly guard: NonNullable<HubAsksOptions['guard']>;

  constructor(private readonly o: HubAsksOptions) {
    this.now = o.now ?? Date.now;
    this.guard = o.guard ?? ((_what, _log, op) => op().then(() => true));
  }

  /**
   * Posts the questions still open (each in its own message, the owner mentioned in the first) or
   * the plan (attached as plan.md when long), each once.
   * @returns `false` when it can never be posted there (the channel gone, no access)
   * @throws what Discord throws (the event comes again and only what is missing is posted then)
   */
  ask(ask: PermissionAsk, s: HubSession): Promise<boolean> {
    const id = `${ask.sessionId}:${ask.key}`;
    const run = this.guard('a question or plan', this.o.log, () => this.post(ask, s));
    const tracked = run.catch(() => undefined).finally(() => {
      if (this.posting.get(id) === tracked) this.posting.delete(id);
    });
    this.posting.set(id, tracked);
    return run;
  }

  /**
   * Edits the prompt's open messages to say how it was settled (unless by a user's answer, whose
   * own update said so); one settled before it was posted is recorded as settled and never posted.
   * @returns `false` when the prompt is a tool's (the caller's to settle)
   */
  async settled(settled: PermissionSettled, s: HubSession): Promise<boolean> {
    await this.posting.get(`${settled.sessionId}:${settled.key}`);
    const p = this.o.hub.prompt(settled.sessionId, settled.key);
    if (!p) {
      // Settled before its prompt was posted (its event is being delivered again): recorded, so it is never posted.
      this.o.hub.setPrompt({ sessionId: settled.sessionId, key: settled.key, tool: '', channelId: s.channelId, messageId: null, settledAt: this.now() });
      return true;
    }
    if (!p.ask || (p.kind !== 'question' && p.kind !== 'plan')) return false;
    if (p.settledAt !== null) return true;
    if (settled.by !== 'user') {
      const ask = JSON.parse(p.ask) as PermissionAsk;
      const req = requestOf(ask);
      const outcome: PermissionOutcome = { decision: settled.decision, by: settled.by as PermissionOutcome['by'], userId: settled.userId };
      const why = outcome.by === 'timeout' || outcome.by === 'process-ended' || outcome.by === 'withdrawn' ? outcome.by : 'other';
      for (const part of this.o.hub.promptParts.promptParts(p.sessionId, p.key)) {
        if (part.answeredAt !== null || req.answers?.[part.part]) continue; // shows its answer already
        const content = req.kind === 'question' ? renderQuestionClosed(req, part.part, why)
          : withPlanHeader(renderPlanPrompt(req, s.ownerId).content, renderPlanClosed(outcome));
        await this.guard('a settled question or plan', this.o.log, async () => {
          await (await this.channel(p.channelId)).messages.edit(part.messageId, { content, components: [], allowedMentions: { parse: [] } });
        });
      }
    }
    this.o.hub.setPrompt({ ...p, settledAt: this.now() });
    return true;
  }

  /**
   * What `handleAsk` answers through for a click or modal of `by` on a prompt of `sessionId`
   * (whose owner or an admin the caller has checked): the request as this hub stored it, with the
   * parts answered from here; answers go to the runner as commands whose ids derive from `source`
   * (the interaction's id). A question's answer is `recorded` here: the runner tells Claude once
   * all are in, and refuses one that no longer waits (shown where it was given, `HubUi.refused`).
   */
  answerer(sessionId: string, by: HubPlaceOf, source: string): AskAnswerer {
    const hub = this.o.hub;
    const stored = (key: string) => {
      const p = hub.prompt(sessionId, key);
      return p?.ask && p.settledAt === null && (p.kind === 'question' || p.kind === 'plan') ? p : null;
    };
    return {
      waitingRequest: (key) => {
        const p = stored(key);
        if (!p) return null;
        const req = requestOf(JSON.parse(p.ask!) as PermissionAsk);
        const parts = hub.promptParts.promptParts(sessionId, key);
        if (req.kind === 'plan' && parts.some((x) => x.answeredAt !== null)) return null; // decided from here already
        for (const part of parts) if (part.answeredAt !== null && req.answers) req.answers[part.part] ??= { answer: '', userId: by.userId };
        return req;
      },
      answerQuestion: async (key, index, answer) => {
        if (!stored(key)) return false;
        await hub.answerQuestion(sessionId, key, index, answer, by, source);
        hub.promptParts.answerPromptPart(sessionId, key, index, this.now());
        return 'recorded';
      },
      decidePlan: async (key, choice, feedback) => {
        if (!stored(key)) return false;
        await hub.decidePlan(sessionId, key, PLAN_CHOICE[choice], feedback, by, source);
        hub.promptParts.answerPromptPart(sessionId, key, 0, this.now());
        return true;
      },
      waitingElicitation: () => null, // MCP forms are not shown on the hub yet
      answerElicitation: async () => false,
    };
  }

  private async post(ask: PermissionAsk, s: HubSession): Promise<void> {
    const known = this.o.hub.prompt(ask.sessionId, ask.key);
    if (known?.settledAt != null) return;
    this.o.hub.setPrompt({ sessionId: ask.sessionId, key: ask.key, tool: ask.tool, channelId: s.channelId, messageId: null, settledAt: null, kind: ask.kind, ask: JSON.stringify(ask) });
    const req = requestOf(ask);
    const posted = new Set(this.o.hub.promptParts.promptParts(ask.sessionId, ask.key).map((p) => p.part));
    const open = req.kind === 'question' ? req.questions!.map((_, i) => i).filter((i) => !req.answers?.[i]) : [0];
    const channel = await this.channel(s.channelId);
    let first: string | null = null;
    for (const [n, i] of open.entries()) {
      if (posted.has(i)) continue;
      const message = req.kind === 'question' ? renderQuestion(req, i, s.ownerId, n === 0) : renderPlanPrompt(req, s.ownerId);
      const sent = await channel.send({ ...message, nonce: nonceOf('ask', ask.sessionId, ask.key, i), enforceNonce: true });
      this.o.hub.promptParts.addPromptPart(ask.sessionId, ask.key, i, sent.id);
      first ??= sent.id;
    }
    if (first) this.o.hub.setPrompt({ ...this.o.hub.prompt(ask.sessionId, ask.key)!, messageId: first });
    this.o.log.info({ session: ask.sessionId, key: ask.key, kind: ask.kind, parts: open.length }, 'question or plan posted');
  }

  private async channel(channelId: string) {
    const client = this.o.client();
    const c = client.channels.cache.get(channelId) ?? (await client.channels.fetch(channelId));
    if (!c?.isSendable()) throw new Error(`channel ${channelId} cannot take messages`);
    return c;
  }
}
