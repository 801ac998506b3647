/**
 * Who may drive the bot: users in `ALLOWED_USER_IDS`, members with a role in `ALLOWED_ROLE_IDS`,
 * and admins (`ADMIN_USER_IDS`), who may also act on any session and set a channel's directory.
 */
import type { BaseInteraction, Message, Typing } from 'discord.js';

/** What a person's access is judged from: an interaction, a message, or a typing event. */
type Source = BaseInteraction | Message | Pick<Typing, 'user' | 'member'>;
import { BridgeError } from '../core/errors.js';

export interface AccessPolicy {
  allowedUserIds: readonly string[];
  allowedRoleIds: readonly string[];
  adminUserIds: readonly string[];
}

/** The role ids of the member behind an interaction or message (cached GuildMember or the raw API member). */
function memberRoleIds(source: Source): string[] {
  const member = source.member;
  if (!member) return [];
  return Array.isArray(member.roles) ? member.roles : [...member.roles.cache.keys()];
}

function userOf(source: Source) {
  return 'author' in source ? source.author : source.user;
}

export function isAdmin(userId: string, policy: AccessPolicy): boolean {
  return policy.adminUserIds.includes(userId);
}

export function isAllowed(source: Source, policy: AccessPolicy): boolean {
  const id = userOf(source).id;
  if (policy.allowedUserIds.includes(id) || isAdmin(id, policy)) return true;
  return memberRoleIds(source).some((r) => policy.allowedRoleIds.includes(r));
}

/** @throws BridgeError `NOT_ALLOWED` (its text shows the user their own id and what to ask for) */
export function assertAllowed(source: BaseInteraction | Message, policy: AccessPolicy): void {
  if (!isAllowed(source, policy)) throw new BridgeError('NOT_ALLOWED', { userId: userOf(source).id });
}

/** The session's owner, or an admin. @throws BridgeError `NOT_SESSION_OWNER` */
export function assertMayAct(userId: string, ownerId: string, policy: AccessPolicy): void {
  if (userId !== ownerId && !isAdmin(userId, policy)) throw new BridgeError('NOT_SESSION_OWNER');
}
