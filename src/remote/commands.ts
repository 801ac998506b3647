/**
 * Executing one command from the runner's work queue on its SessionManager, exactly once.
 *
 * A command is acknowledged to JetStream only after its effect is stored: a message command is
 * accepted by its session's durable inbox with the command id recorded in the same transaction
 * (`SessionStore.addTurn` `commandId`), any other command is recorded once carried out. A command
 * delivered again — the runner died before its ack reached the server — is found in that record and
 * only acknowledged (its `accepted` event published again, which JetStream drops as a duplicate).
 */
import { BridgeError, makeErrorRef, userFacingMessage } from '../core/errors.js';
import { parseBridgeSessionId, parseSnowflake } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import type { SessionManager } from '../sessions/manager.js';
import type { PlanChoice } from '../sessions/questions.js';
import type { EventOutbox } from './outbox.js';
import type { Command } from './protocol.js';

/** The protocol's plan choices as the session names them. */
const PLAN_CHOICES = { approve: 'approve', edits: 'accept-edits', keep: 'keep-planning' } as const satisfies Record<string, PlanChoice>;

/** The runner's record of commands taken (implemented by the store: table `remote_commands`). */
export interface CommandLog {
  findCommand(id: string): { sessionId: string | null; turnId: string | null } | null;
  recordCommand(id: string, sessionId: string | null, at: number): void;
}

export interface CommandContext {
  manager: SessionManager;
  commands: CommandLog;
  outbox: EventOutbox;
  log: Logger;
  now: () => number;
}

/**
 * Carries out `cmd` (unless it was taken before) and publishes its `accepted` or `refused` event.
 * Resolves when the caller may acknowledge the command; rejects only when nothing was stored
 * (e.g. the store failed), so the command must be delivered again.
 */
export async function executeCommand(cmd: Command, c: CommandContext): Promise<void> {
  const seen = c.commands.findCommand(cmd.id);
  if (seen) {
    c.log.info({ command: cmd.id, type: cmd.body.type }, 'command delivered again: taken before, not again');
    if (seen.turnId !== null || seen.sessionId !== null) await accepted(cmd.id, seen.sessionId, seen.turnId, c);
    return;
  }
  let result: { sessionId: string | null; turnId: string | null };
  try {
    result = await carryOut(cmd, c);
  } catch (err) {
    if (c.commands.findCommand(cmd.id)) throw err; // stored before it failed: must not be refused
    const ref = makeErrorRef();
    if (!(err instanceof BridgeError)) c.log.error({ err, ref, command: cmd.id, type: cmd.body.type }, 'command failed');
    else c.log.info({ code: err.code, command: cmd.id, type: cmd.body.type }, 'command refused');
    // The refusal is published before it is recorded: a crash in between means the command is tried
    // again (and maybe accepted then), never that the user hears nothing.
    await c.outbox.publish(`${cmd.id}:refused`, {
      type: 'refused', commandId: cmd.id, code: err instanceof BridgeError ? err.code : 'INTERNAL', message: userFacingMessage(err, ref),
    });
    c.commands.recordCommand(cmd.id, null, c.now());
    return;
  }
  await accepted(cmd.id, result.sessionId, result.turnId, c);
}

function accepted(commandId: string, sessionId: string | null, turnId: string | null, c: CommandContext): Promise<boolean> {
  return c.outbox.publish(`${commandId}:accepted`, { type: 'accepted', commandId, sessionId, turnId });
}

async function carryOut(cmd: Command, c: CommandContext): Promise<{ sessionId: string | null; turnId: string | null }> {
  const b = cmd.body;
  switch (b.type) {
    case 'send':
    case 'steer': {
      const session = await c.manager.getOrCreateSession(parseSnowflake(b.ownerId), parseSnowflake(b.channelId), b.guildId ? parseSnowflake(b.guildId) : null, {
        parentId: b.parentId ? parseSnowflake(b.parentId) : null,
      });
      c.manager.assertRoomFor(session);
      const opts = { replyRef: b.replyRef ?? undefined, commandId: cmd.id };
      if (b.type === 'send') return { sessionId: session.id, turnId: session.sendMessage(b.text, opts).id };
      const outcome = await session.steer(b.text, opts);
      return { sessionId: session.id, turnId: outcome.kind === 'turn' ? outcome.turn.id : outcome.into.id };
    }
    case 'project': {
      c.manager.workspace.setChannelDir(parseSnowflake(b.channelId), b.dir, parseSnowflake(b.userId));
      c.commands.recordCommand(cmd.id, null, c.now());
      return { sessionId: null, turnId: null };
    }
    case 'settings': {
      const session = c.manager.getSession(parseBridgeSessionId(b.sessionId));
      if (!session) throw new BridgeError('SESSION_NOT_FOUND');
      if (b.model !== undefined) await session.setModel(b.model);
      if (b.permissionMode !== undefined) await session.setPermissionMode(b.permissionMode);
      c.commands.recordCommand(cmd.id, session.id, c.now());
      return { sessionId: session.id, turnId: null };
    }
    case 'interrupt':
    case 'stop':
    case 'suspend':
    case 'permission':
    case 'answer':
    case 'plan': {
      const session = c.manager.getSession(parseBridgeSessionId(b.sessionId));
      if (!session) throw new BridgeError('SESSION_NOT_FOUND');
      if (b.type === 'interrupt') await session.interrupt(b.turnId);
      else if (b.type === 'stop') await session.stop();
      else if (b.type === 'suspend') await session.suspend('operator');
      else if (b.type === 'permission') {
        if (!(await session.decidePermission(b.key, b.decision, b.userId))) throw new BridgeError('PERMISSION_SETTLED');
      } else if (b.type === 'answer') {
        if (!(await session.answerQuestion(b.key, b.index, b.answer, b.userId))) throw new BridgeError('PERMISSION_SETTLED');
      } else if (!(await session.decidePlan(b.key, PLAN_CHOICES[b.choice], b.feedback, b.userId))) throw new BridgeError('PERMISSION_SETTLED');
      c.commands.recordCommand(cmd.id, session.id, c.now());
      return { sessionId: session.id, turnId: null };
    }
  }
}
