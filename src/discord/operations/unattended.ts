/**
 * Starting a run nobody typed (a schedule's or a trigger's, {@link UnattendedRun}) in Discord. Each
 * step can be repeated after a crash without doubling anything: the announcement is posted with a
 * nonce derived from the run's id (Discord API, Create Message `enforce_nonce`) and its id is
 * written into the run's intent; a thread (`new`) is opened on it unless it exists; the prompt is
 * accepted into the session with the intent's id, which deletes the intent in the same transaction
 * as the turn's row. Then it is a turn like any other: limits, queue, permissions, delivery.
 */
import { ThreadAutoArchiveDuration, type Message } from 'discord.js';
import { makeErrorRef } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { parseSnowflake } from '../../core/ids.js';
import { RUN_INTENT, unattendedRunSchema, type UnattendedRun } from '../../sessions/unattended.js';
import { isAdmin } from '../access.js';
import type { BotContext } from '../context.js';
import { nonceOf } from '../nonce.js';
import { classifyFault, DEFAULT_RETRY_POLICY, deliver } from '../render/delivery.js';
import { makeReplyRef } from '../reply-ref.js';
import { excerpt, threadName } from './thread.js';
import { sessionWithWorktree } from './worktree.js';

/** Runs being started by this process (an event and the start-up pass may name the same one). */
const inFlight = new Set<string>();

/** The announcement of a run: what started it, for whom, and (late) when it was due. */
export function runHeader(run: UnattendedRun): string {
  const what = run.source === 'schedule' ? `⏰ Schedule \`${run.sourceId}\` (${run.label})` : `🪝 Trigger \`${run.sourceId}\` (${run.label})`;
  const due = `<t:${Math.floor(run.dueAt / 1000)}:T>`;
  const when = run.late ? `\n-# ⌛ due ${due} while the bot was down: running late, once.` : `\n-# due ${due}`;
  const prompt = run.source === 'schedule' ? `\n>>> ${excerpt(run.prompt, 1500)}` : '';
  return `${what} for <@${run.ownerId}>${when}${prompt}`;
}

/**
 * Starts a recorded run; never throws. A run whose intent is gone (finished meanwhile) is skipped.
 * A run that cannot be started is dropped with a message in its channel (and the log's detail),
 * unless Discord's fault may pass: then it is retried, and kept for the next start after 15 min.
 */
export async function startRun(ctx: BotContext, intentId: string, run: UnattendedRun): Promise<void> {
  if (inFlight.has(intentId)) return;
  inFlight.add(intentId);
  const log = ctx.log.child({ run: intentId, source: run.source, sourceId: run.sourceId });
  try {
    const pending = ctx.manager.pendingIntents().find((i) => i.id === intentId);
    if (!pending) return;
    if (!(await ownerStillAllowed(ctx, run))) {
      log.warn({ owner: run.ownerId }, 'the owner of this run may no longer use the bot; not started');
      throw new Error('owner no longer allowed');
    }
    // Every step can be repeated (nonce, stored message id, existing thread, the intent's id): a
    // Discord fault that may pass (5xx, 429, network) is retried with backoff, here and at the next start.
    await deliver('unattended run', async () => void (run = await startStep(ctx, intentId, pending.createdAt, run, log)), { policy: RUN_RETRY_POLICY, log });
  } catch (err) {
    const ref = makeErrorRef();
    if (classifyFault(err).kind === 'retry') {
      return void log.error({ err, ref }, 'an unattended run could not be started yet; kept, tried again at the next start');
    }
    log.error({ err, ref }, 'an unattended run could not be started');
    ctx.manager.dropIntent(intentId);
    const channel = await ctx.client.channels.fetch(run.channelId).catch(() => null);
    if (channel?.isSendable()) {
      await channel.send({
        content: `⚠️ <@${run.ownerId}> ${run.source === 'schedule' ? `schedule \`${run.sourceId}\`` : `trigger \`${run.sourceId}\``} could not start its run (ref ${ref}).`,
        nonce: nonceOf('run-failed', intentId), enforceNonce: true, allowedMentions: { users: [run.ownerId] },
      }).catch((e) => log.error({ err: e }, 'could not tell the owner'));
    }
  } finally {
    inFlight.delete(intentId);
  }
}

/** Retries of a run's start on Discord faults that may pass: backoff up to 30 s, for at most 15 min. */
const RUN_RETRY_POLICY = { ...DEFAULT_RETRY_POLICY, deadlineMs: 15 * 60_000 };

/** One attempt at starting a run (see {@link startRun}); returns the run with its announcement's id. */
async function startStep(ctx: BotContext, intentId: string, createdAt: number, run: UnattendedRun, log: Logger): Promise<UnattendedRun> {
  const mode = run.threadMode === 'new' && ctx.threads ? 'new' : 'this';
  const channel = await ctx.client.channels.fetch(run.channelId);
  if (!channel?.isSendable() || !('messages' in channel)) throw new Error(`channel ${run.channelId} cannot take messages`);
  let header: Message | null = run.messageId ? await channel.messages.fetch(run.messageId).catch(() => null) : null;
  if (!header) {
    header = await channel.send({ content: runHeader(run), nonce: nonceOf('run', intentId), enforceNonce: true, allowedMentions: { parse: [] } });
    run = { ...run, messageId: header.id };
    ctx.manager.rewriteIntent(intentId, RUN_INTENT, run, createdAt);
  }
  const guildId = run.guildId ? parseSnowflake(run.guildId) : null;
  const owner = parseSnowflake(run.ownerId);
  let turn;
  if (mode === 'new') {
    const threadId = parseSnowflake(header.id);
    const existing = await ctx.client.channels.fetch(threadId).catch(() => null);
    if (!existing?.isThread()) {
      await header.startThread({ name: threadName(`${run.source === 'schedule' ? '⏰' : '🪝'} ${run.sourceId}: ${run.prompt}`), autoArchiveDuration: ThreadAutoArchiveDuration.OneDay });
    }
    // A channel whose sessions work in worktrees (`/claude project worktrees:true`) gives this one a worktree too.
    const session = await sessionWithWorktree(ctx, {
      ownerId: owner, channelId: threadId, guildId, parentId: parseSnowflake(run.channelId), name: `${run.sourceId} ${run.label}`, worktree: false, fresh: true,
    });
    turn = session.sendMessage(run.prompt, { replyRef: makeReplyRef({ channelId: threadId }), intentId, cursor: { channelId: threadId, messageId: threadId } });
  } else {
    const parentId = channel.isThread() && channel.parentId ? parseSnowflake(channel.parentId) : null;
    const session = await sessionWithWorktree(ctx, {
      ownerId: owner, channelId: parseSnowflake(run.channelId), guildId, parentId, name: `${run.sourceId} ${run.label}`, worktree: false,
    });
    turn = session.sendMessage(run.prompt, { replyRef: makeReplyRef({ channelId: run.channelId, replyTo: header.id }), intentId });
  }
  if (run.late) turn.notice(`This run was due <t:${Math.floor(run.dueAt / 1000)}:f>, while the bot was down; it runs now, once.`);
  log.info({ turn: turn.id, mode }, 'unattended run started');
  return run;
}

/**
 * Whether the run's owner may still use the bot (a schedule outlives a change of ALLOWED_USER_IDS):
 * by id at once, else by the roles of their guild member (Discord API, Get Guild Member).
 */
async function ownerStillAllowed(ctx: BotContext, run: UnattendedRun): Promise<boolean> {
  const { allowedUserIds, allowedRoleIds } = ctx.policy;
  if (allowedUserIds.includes(run.ownerId) || isAdmin(run.ownerId, ctx.policy)) return true;
  if (allowedRoleIds.length === 0 || !run.guildId) return false;
  const member = await ctx.client.guilds.fetch(run.guildId).then((g) => g.members.fetch(run.ownerId)).catch(() => null);
  return member?.roles.cache.some((r) => allowedRoleIds.includes(r.id)) ?? false;
}

/** Start-up: runs recorded but not yet accepted when the bot stopped are started now, once each. */
export async function reconcileRuns(ctx: BotContext): Promise<void> {
  for (const intent of ctx.manager.pendingIntents()) {
    if (intent.kind !== RUN_INTENT) continue;
    const parsed = unattendedRunSchema.safeParse(intent.payload);
    if (!parsed.success) {
      ctx.log.error({ intent: intent.id }, 'dropping a run intent that does not parse');
      ctx.manager.dropIntent(intent.id);
      continue;
    }
    await startRun(ctx, intent.id, parsed.data);
  }
}
