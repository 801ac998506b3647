/** What the hub's Discord adapter does for {@link HubService}, and the shapes they share. */
import type { Presence, EventBody } from '../remote/protocol.js';
import type { HubCommand, HubSession, HubTurn } from '../store/hub-repo.js';

export type { HubCommand, HubSession, HubTurn };
import type { RemoteTurn } from './remote-turn.js';

export type PermissionAsk = Extract<EventBody, { type: 'permission' }>;
export type PermissionSettled = Extract<EventBody, { type: 'permissionSettled' }>;

/** Who and where, as Discord ids (the adapter's `Place`). */
export interface HubPlaceOf {
  userId: string;
  channelId: string;
  guildId: string | null;
  parentId: string | null;
}

/** Each method resolves once Discord has the effect; a rejection means "try again" (the event comes again). */
export interface HubUi {
  /** Shows a turn until it ends; resolves once Discord has its final state. */
  showTurn(turn: RemoteTurn, row: HubTurn): Promise<void>;
  /** Tells the user their command was refused (`message` is safe to show). */
  refused(cmd: HubCommand, message: string): Promise<void>;
  permission(ask: PermissionAsk, session: HubSession): Promise<void>;
  permissionSettled(settled: PermissionSettled, session: HubSession): Promise<void>;
}

/** Whether a presence entry says the runner is up now: online, and heard from within the bucket's TTL (30 s). */
export function isOnline(p: Presence | null, now: number, ttlMs = 30_000): p is Presence {
  return p !== null && p.online && now - p.lastSeen < ttlMs;
}
