/**
 * Permission prompts in Discord: each request of a session is posted in the session's channel or
 * thread, mentioning its owner; settled other than by a button (timeout, always-allow, process
 * gone), the prompt is edited to say so. Every outcome goes to the audit log.
 */
import type { PermissionOutcome, PermissionRequest } from '../sessions/permissions.js';
import type { Session } from '../sessions/session.js';
import type { BotContext } from './context.js';
import { renderPermissionOutcome, renderPermissionPrompt } from './render/permission.js';

export class PermissionPrompts {
  /** Where each waiting prompt was posted, by request key. */
  private readonly posted = new Map<string, { channelId: string; messageId: string }>();
  /** Outcomes that came before their prompt was posted, by request key. */
  private readonly settledEarly = new Map<string, PermissionOutcome>();

  constructor(private readonly ctx: BotContext) {}

  /** Posts the request; if that fails, denies it (Claude must not wait for a prompt nobody sees). */
  async ask(session: Session, req: PermissionRequest): Promise<void> {
    const channelId = session.record.channelId;
    try {
      const { client } = this.ctx;
      const channel = client.channels.cache.get(channelId) ?? (await client.channels.fetch(channelId));
      if (!channel?.isSendable()) throw new Error(`channel ${channelId} cannot take messages`);
      const message = await channel.send(renderPermissionPrompt(req, session.record.ownerId));
      this.posted.set(req.key, { channelId, messageId: message.id });
      const early = this.settledEarly.get(req.key); // settled (timed out, say) while it was being posted
      this.settledEarly.delete(req.key);
      if (early) await this.markSettled(req, early);
    } catch (err) {
      this.ctx.log.error({ err, session: session.id, tool: req.toolName }, 'could not post a permission request; denying it');
      await session.decidePermission(req.key, 'deny', 'nobody');
    }
  }

  async settled(session: Session, req: PermissionRequest, outcome: PermissionOutcome): Promise<void> {
    const action = outcome.by === 'user' ? outcome.decision : outcome.by;
    this.ctx.manager.audit({
      userId: outcome.userId && /^\d+$/.test(outcome.userId) ? outcome.userId : null, kind: 'permission', action,
      sessionId: session.id, channelId: session.record.channelId, result: 'ok', detail: `${req.toolName}: ${outcome.decision}`,
    });
    if (outcome.by === 'user') return void this.posted.delete(req.key); // the button's own update already said so
    if (!this.posted.has(req.key)) {
      // Not posted yet (posting, or waiting for the login): its post says so at once. An always-allowed
      // request is never posted, so it is not kept.
      if (outcome.by !== 'always') this.settledEarly.set(req.key, outcome);
      return;
    }
    await this.markSettled(req, outcome);
  }

  /** Edits a posted prompt to say how it was settled. */
  private async markSettled(req: PermissionRequest, outcome: PermissionOutcome): Promise<void> {
    const where = this.posted.get(req.key);
    this.posted.delete(req.key);
    if (!where) return;
    const channel = this.ctx.client.channels.cache.get(where.channelId);
    if (!channel?.isSendable()) return;
    await channel.messages.edit(where.messageId, { content: renderPermissionOutcome(req, outcome), components: [] })
      .catch((err) => this.ctx.log.warn({ err }, 'could not update a permission prompt'));
  }
}
