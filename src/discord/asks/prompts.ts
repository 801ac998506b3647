/**
 * `AskPrompts`: Claude's questions, plans and MCP forms in Discord. Each is posted in the session's
 * channel or thread (a question per message; the owner mentioned once); settled other than by a
 * button (timeout, process gone) the messages still open are edited to say so; an MCP request
 * Discord cannot show is reported. Pending across a bot restart, a request is read again from the
 * process's output and posted again — only its questions still open (answers given before are
 * stored) — and the buttons of the earlier messages keep working: they name the same request.
 * Every outcome goes to the audit log.
 */
import type { SendableChannels } from 'discord.js';
import type { ElicitationOutcome, ElicitationRequest } from '../../sessions/elicitations.js';
import type { PermissionOutcome, PermissionRequest } from '../../sessions/permissions.js';
import type { Session } from '../../sessions/session.js';
import type { BotContext } from '../context.js';
import { renderFormPrompt, renderFormRefused, renderFormSettled } from '../render/form.js';
import { renderPlanClosed, renderPlanPrompt, withPlanHeader } from '../render/plan.js';
import { renderQuestion, renderQuestionClosed } from '../render/question.js';

interface Posted { channelId: string; messageId: string; content: string }

export class AskPrompts {
  /** Messages posted per request key, by part (a question's index; 0 for a plan or form). */
  private readonly posted = new Map<string, Map<number, Posted>>();
  /** Requests settled before all their messages were posted, by key: closed once they are. */
  private readonly settledEarly = new Map<string, () => Promise<void>>();
  /** Requests whose messages are being posted. */
  private readonly posting = new Set<string>();

  constructor(private readonly ctx: BotContext) {}

  /** Posts a question or plan; if that fails, denies it (Claude must not wait for what nobody sees). */
  async ask(session: Session, req: PermissionRequest): Promise<void> {
    try {
      const channel = await this.channel(session.record.channelId);
      const owner = session.record.ownerId;
      const open = req.kind === 'question' ? req.questions!.map((_, i) => i).filter((i) => !req.answers?.[i]) : [0];
      this.posting.add(req.key);
      try {
        for (const [n, i] of open.entries()) {
          const message = req.kind === 'question' ? renderQuestion(req, i, owner, n === 0) : renderPlanPrompt(req, owner);
          const sent = await channel.send(message);
          this.note(req.key, i, { channelId: sent.channelId, messageId: sent.id, content: sent.content });
        }
      } finally {
        this.posting.delete(req.key);
      }
      await this.runEarly(req.key);
    } catch (err) {
      this.ctx.log.error({ err, session: session.id, tool: req.toolName }, 'could not post a question or plan; denying it');
      await session.decidePermission(req.key, 'deny', 'nobody');
    }
  }

  async settled(session: Session, req: PermissionRequest, outcome: PermissionOutcome): Promise<void> {
    this.audit(session, outcome.userId, outcome.by === 'user' ? (req.kind === 'plan' ? 'plan' : 'answer') : outcome.by,
      `${req.toolName}: ${outcome.summary ?? outcome.decision}`);
    const close = async () => {
      for (const [i, where] of this.take(req.key)) {
        if (req.kind === 'question' && req.answers?.[i]) continue; // shows its answer already
        const why = outcome.by === 'timeout' || outcome.by === 'process-ended' || outcome.by === 'withdrawn' ? outcome.by : 'other';
        await this.edit(where, req.kind === 'question' ? renderQuestionClosed(req, i, why) : withPlanHeader(where.content, renderPlanClosed(outcome)));
      }
    };
    if (outcome.by === 'user') return void this.take(req.key); // the button's own update already said so
    if (!this.posted.has(req.key) || this.posting.has(req.key)) return void this.settledEarly.set(req.key, close);
    await close();
  }

  /** Posts an MCP form or link; if that fails, cancels it. */
  async askElicitation(session: Session, req: ElicitationRequest): Promise<void> {
    try {
      const sent = await (await this.channel(session.record.channelId)).send(renderFormPrompt(req, session.record.ownerId));
      this.note(req.key, 0, { channelId: sent.channelId, messageId: sent.id, content: sent.content });
      await this.runEarly(req.key);
    } catch (err) {
      this.ctx.log.error({ err, session: session.id, server: req.serverName }, 'could not post an MCP request; cancelling it');
      await session.answerElicitation(req.key, 'cancel', undefined, 'nobody');
    }
  }

  async elicitationSettled(session: Session, req: ElicitationRequest, outcome: ElicitationOutcome): Promise<void> {
    this.audit(session, outcome.userId, `form-${outcome.action}`, `${req.serverName}: ${outcome.by === 'refused' ? `refused (${req.refusal})` : outcome.action}`);
    if (outcome.by === 'refused') {
      const channel = await this.channel(session.record.channelId).catch(() => null);
      await channel?.send({ content: renderFormRefused(req, session.record.ownerId), allowedMentions: { users: [session.record.ownerId] } })
        .catch((err) => this.ctx.log.warn({ err }, 'could not report a refused MCP request'));
      return;
    }
    const close = async () => {
      for (const [, where] of this.take(req.key)) await this.edit(where, renderFormSettled(where.content, req, outcome));
    };
    if (outcome.by === 'user') return void this.take(req.key);
    if (!this.posted.has(req.key)) return void this.settledEarly.set(req.key, close);
    await close();
  }

  private async channel(channelId: string): Promise<SendableChannels> {
    const { client } = this.ctx;
    const channel = client.channels.cache.get(channelId) ?? (await client.channels.fetch(channelId));
    if (!channel?.isSendable()) throw new Error(`channel ${channelId} cannot take messages`);
    return channel;
  }

  private note(key: string, part: number, where: Posted): void {
    const parts = this.posted.get(key) ?? new Map<number, Posted>();
    parts.set(part, where);
    this.posted.set(key, parts);
  }

  private take(key: string): Array<[number, Posted]> {
    const parts = [...(this.posted.get(key) ?? new Map<number, Posted>()).entries()];
    this.posted.delete(key);
    return parts;
  }

  /** A request settled (timed out, say) while it was being posted: its messages say so at once. */
  private async runEarly(key: string): Promise<void> {
    const early = this.settledEarly.get(key);
    this.settledEarly.delete(key);
    await early?.();
  }

  private async edit(where: Posted, content: string): Promise<void> {
    const channel = this.ctx.client.channels.cache.get(where.channelId);
    if (!channel?.isSendable()) return;
    await channel.messages.edit(where.messageId, { content, components: [] })
      .catch((err) => this.ctx.log.warn({ err }, 'could not update a question, plan or form'));
  }

  private audit(session: Session, userId: string | null, action: string, detail: string): void {
    this.ctx.manager.audit({
      userId: userId && /^\d+$/.test(userId) ? userId : null, kind: 'permission', action,
      sessionId: session.id, channelId: session.record.channelId, result: 'ok', detail: detail.slice(0, 200),
    });
  }
}
