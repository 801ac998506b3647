/**
 * `HubPresenter`: the hub's {@link HubUi} in Discord — turns of sessions on runners shown with the
 * same {@link TurnView} as in the all-in-one bridge, refusals told where the message was sent, and
 * permission prompts posted and settled. Every message it creates carries a nonce derived from what
 * it shows (turn, command, prompt) with `enforce_nonce` (Discord API, "Create Message"), and a
 * turn's answer message is stored once posted (`HubService.setTurnReplyRef`): a hub that restarts
 * and shows the same thing again edits or finds the same message instead of posting another.
 */
import { DiscordAPIError, type Client } from 'discord.js';
import { parseBridgeSessionId } from '../../core/ids.js';
import type { Logger } from '../../core/logger.js';
import type { RemoteTurn } from '../../hub/remote-turn.js';
import type { HubService } from '../../hub/service.js';
import type { HubCommand, HubSession, HubTurn, HubUi, PermissionAsk, PermissionSettled } from '../../hub/ui.js';
import type { PermissionOutcome, PermissionRequest } from '../../sessions/permissions.js';
import { nonceOf } from '../nonce.js';
import { HubAsks, isShownAsAsk } from './asks.js';
import { DEFAULT_RETRY_POLICY, deliver } from '../render/delivery.js';
import { renderPermissionOutcome, renderPermissionPrompt } from '../render/permission.js';
import { channelTarget } from '../render/targets.js';
import { TurnView, type ReplyTarget } from '../render/turn-view.js';
import { makeReplyRef, parseReplyRef, type PostedRef } from '../reply-ref.js';

export interface HubPresenterOptions {
  client: () => Client;
  hub: HubService;
  log: Logger;
  maxInlineChunks: number;
  maxUploadBytes: number;
}

/**
 * Discord errors that no retry mends (API docs, "JSON Error Codes"): Unknown Channel, Unknown
 * Message, Missing Access, Missing Permissions. What meets one is logged and counted as done, so its
 * event does not come back forever.
 */
const PERMANENT = new Set([10003, 10008, 50001, 50013]);

/** Runs `op`; @returns `false` when it met a permanent error (logged, counted as done). @throws any other error */
async function unlessPermanent(what: string, log: Logger, op: () => Promise<void>): Promise<boolean> {
  try {
    await op();
    return true;
  } catch (err) {
    if (!(err instanceof DiscordAPIError && PERMANENT.has(Number(err.code)))) throw err;
    log.error({ err, code: err.code }, `${what} cannot be shown there (the channel or message is gone, or the bot may not post); dropped`);
    return false;
  }
}

export class HubPresenter implements HubUi {
  /** Claude's questions and plans (the rest of the prompts are a tool's). */
  readonly asks: HubAsks;
  /** Live interactions' replies, lent to the turns they start (`ReplyRef.via`), until used or 15 min old. */
  private readonly lent = new Map<string, ReplyTarget>();

  constructor(private readonly o: HubPresenterOptions) {
    this.asks = new HubAsks({ ...o, guard: unlessPermanent });
  }

  /** The interaction's own reply (its token) for the turn whose ref says `via: interactionId`: its first edit ends Discord's "thinking…". */
  lend(interactionId: string, target: ReplyTarget): void {
    this.lent.set(interactionId, target);
    setTimeout(() => this.lent.delete(interactionId), 15 * 60_000).unref();
  }

  async showTurn(turn: RemoteTurn, row: HubTurn): Promise<void> {
    const log = this.o.log.child({ session: row.sessionId, turn: row.turnId, runner: row.runner });
    await unlessPermanent('a turn', log, async () => {
      const target = await this.targetFor(row, log);
      const result = await new TurnView(target, turn, parseBridgeSessionId(row.sessionId), {
        log, maxInlineChunks: this.o.maxInlineChunks, maxUploadBytes: this.o.maxUploadBytes, answerButtons: false,
      }).run();
      log.info({ outcome: result.outcome, costUsd: result.costUsd }, 'turn shown');
    });
  }

  async refused(cmd: HubCommand, message: string): Promise<void> {
    await unlessPermanent('a refusal', this.o.log, () => this.tellRefused(cmd, message));
  }

  private async tellRefused(cmd: HubCommand, message: string): Promise<void> {
    const ref = parseReplyRef(cmd.replyRef);
    const channelId = ref?.channelId ?? cmd.channelId;
    if (!channelId) return;
    const content = `⚠️ ${message}`;
    await deliver('refusal', async () => {
      const channel = await this.channel(channelId);
      if (ref?.messageId) await channel.messages.edit(ref.messageId, { content, components: [] });
      else {
        await channel.send({
          content, nonce: nonceOf('refused', cmd.id), enforceNonce: true, allowedMentions: { parse: [], repliedUser: false },
          ...(ref?.replyTo ? { reply: { messageReference: ref.replyTo, failIfNotExists: false } } : {}),
        });
      }
    }, { policy: DEFAULT_RETRY_POLICY, log: this.o.log });
  }

  /**
   * Posts the prompt once (a nonce from its key), mentioning the session's owner; the buttons answer
   * over the protocol. One that can never be posted (the channel gone, no access) is denied at once,
   * as the all-in-one does: Claude must not wait for what nobody sees.
   */
  async permission(ask: PermissionAsk, s: HubSession): Promise<void> {
    const shown = isShownAsAsk(ask) ? await this.asks.ask(ask, s) : await this.postToolPrompt(ask, s);
    if (shown) return;
    this.o.log.warn({ session: ask.sessionId, tool: ask.tool, runner: s.runner }, 'a prompt that cannot be shown is denied');
    await this.o.hub.denyUnshown(ask.sessionId, ask.key);
  }

  private async postToolPrompt(ask: PermissionAsk, s: HubSession): Promise<boolean> {
    const known = this.o.hub.prompt(ask.sessionId, ask.key);
    if (known?.messageId || known?.settledAt) return true; // posted, or settled before it could be
    const req = requestOf(ask);
    return unlessPermanent('a permission prompt', this.o.log, async () => {
      const message = await (await this.channel(s.channelId)).send({
        ...renderPermissionPrompt(req, s.ownerId), nonce: nonceOf('perm', ask.sessionId, ask.key), enforceNonce: true,
        allowedMentions: { users: [s.ownerId] }, // the owner only: the tool's name and input come from the runner
      });
      this.o.hub.setPrompt({ sessionId: ask.sessionId, key: ask.key, tool: ask.tool, channelId: s.channelId, messageId: message.id, settledAt: null });
    });
  }

  /** Edits a posted prompt to say how it was settled (unless a button press did: its own update said so). */
  async permissionSettled(settled: PermissionSettled, s: HubSession): Promise<void> {
    if (await this.asks.settled(settled, s)) return;
    const p = this.o.hub.prompt(settled.sessionId, settled.key);
    if (!p) { // settled before its prompt was posted (events are handled side by side): it is never posted
      this.o.hub.setPrompt({ sessionId: settled.sessionId, key: settled.key, tool: '', channelId: s.channelId, messageId: null, settledAt: Date.now() });
      return;
    }
    if (!p.messageId || p.settledAt !== null) return;
    if (settled.by !== 'user') {
      const req = requestOf({ type: 'permission', sessionId: settled.sessionId, key: settled.key, turnId: null, kind: 'tool', tool: p.tool, input: {} });
      const outcome = { decision: settled.decision, by: settled.by as PermissionOutcome['by'], userId: settled.userId };
      await unlessPermanent('a settled prompt', this.o.log, async () => {
        await (await this.channel(p.channelId)).messages.edit(p.messageId!, { content: renderPermissionOutcome(req, outcome), components: [], allowedMentions: { parse: [] } });
      });
    }
    this.o.hub.setPrompt({ ...p, settledAt: Date.now() });
  }

  /** The turn's answer message: the one it has, else one posted now (retried like a final edit) and stored. */
  private async targetFor(row: HubTurn, log: Logger): Promise<ReplyTarget> {
    const ref = parseReplyRef(row.replyRef);
    const lent = ref?.via ? this.lent.get(ref.via) : undefined;
    if (lent) {
      this.lent.delete(ref!.via!);
      return lent;
    }
    if (ref?.messageId) return channelTarget(this.o.client(), ref as PostedRef);
    const channelId = ref?.channelId ?? row.channelId;
    // An interaction's turn whose reply has no message id on record: Discord refused the deferral and
    // the answer went to a channel message (`postedLaterTarget`), unless this hub died first. The
    // same nonce finds that message again (within Discord's few minutes) instead of posting a second.
    const nonce = ref?.via ? nonceOf('interaction', ref.via) : nonceOf(row.turnId);
    let posted: PostedRef | null = null;
    await deliver('answer message', async () => {
      const message = await (await this.channel(channelId)).send({
        content: row.followUp ? '-# ↪️ answering what was sent while Claude was working…' : '-# 💭 …',
        nonce, enforceNonce: true,
        ...(ref?.replyTo ? { reply: { messageReference: ref.replyTo, failIfNotExists: false } } : {}),
        allowedMentions: { parse: [], repliedUser: false },
      });
      posted = { channelId, messageId: message.id };
    }, { policy: DEFAULT_RETRY_POLICY, log });
    this.o.hub.setTurnReplyRef(row.turnId, makeReplyRef(posted!));
    return channelTarget(this.o.client(), posted!);
  }

  private async channel(channelId: string) {
    const client = this.o.client();
    const c = client.channels.cache.get(channelId) ?? (await client.channels.fetch(channelId));
    if (!c?.isSendable()) throw new Error(`channel ${channelId} cannot take messages`);
    return c;
  }
}

/** A tool prompt's request as the renderer knows it (a question or plan from a runner that predates their fields is asked as the tool it is). */
function requestOf(ask: PermissionAsk): PermissionRequest {
  return {
    sessionId: parseBridgeSessionId(ask.sessionId), key: ask.key, requestId: ask.key, toolName: ask.tool, input: ask.input, turnId: ask.turnId, kind: 'tool',
  };
}
