/** Start-up: ending processes the store does not know, and picking up the sessions it does. */
import type { BridgeSessionId } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import type { ProcessBackend } from '../backends/types.js';
import type { SessionRecord, SessionStore } from '../store/types.js';
import type { Session } from './session.js';
import type { Turn } from './turn.js';

/** A turn found at start-up whose answer is still owed. */
export interface RestoredTurn {
  session: Session;
  turn: Turn;
}

/**
 * Ends every process of the backend (tmux `cdb-*` sessions) that no stored session owns — or whose
 * session's record says it has none (`backend` null: a spare a new session had claimed but not yet
 * used when the bot died; restore would never reattach it, and it would run uncounted).
 */
export async function endOrphans(store: SessionStore, backend: ProcessBackend, log: Logger): Promise<void> {
  const known = store.listIds();
  for (const name of await backend.list()) {
    if (known.has(name) && store.get(name as BridgeSessionId)?.backend != null) continue;
    log.warn({ name }, 'ending an orphaned process the store does not know');
    await backend.end(name);
  }
}

/**
 * Picks up every session that had a process or owes an answer: reattaches live processes newest
 * first up to the limits (the rest are suspended), and queues owed turns again. A session that
 * fails to restore is marked `failed`; the others go on.
 */
export async function restoreSessions(o: {
  store: SessionStore; maxSessions: number; maxSessionsPerUser: number; log: Logger; now: () => number;
  /** The session object of a record (registered with the manager). */
  load: (rec: SessionRecord) => Session;
  /** Drops a session that failed to restore from the manager's memory. */
  forget: (id: BridgeSessionId) => void;
}): Promise<RestoredTurn[]> {
  const restored: RestoredTurn[] = [];
  const started = o.now();
  let attached = 0;
  const perUser = new Map<string, number>();
  for (const rec of o.store.listRestorable()) {
    const owner = perUser.get(rec.ownerId) ?? 0;
    const attach = rec.state !== 'stopped' && attached < o.maxSessions && owner < o.maxSessionsPerUser;
    try {
      const session = o.load(rec);
      const owed = await session.restore({ attach });
      if (session.isLive) {
        attached++;
        perUser.set(rec.ownerId, owner + 1);
      }
      for (const turn of owed) restored.push({ session, turn });
    } catch (err) {
      o.log.error({ err, session: rec.id }, 'session could not be restored');
      o.forget(rec.id); // reloaded from the store, as failed, when next used
      o.store.update(rec.id, { state: 'failed', backend: null });
    }
  }
  o.log.info({ attached, owedTurns: restored.length, ms: o.now() - started }, 'sessions restored');
  return restored;
}
