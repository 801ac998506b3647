/** Who may drive the bot: users in `ALLOWED_USER_IDS`, or members with a role in `ALLOWED_ROLE_IDS`. */
import type { Interaction } from 'discord.js';
import { BridgeError } from '../core/errors.js';

export interface AccessPolicy {
  allowedUserIds: readonly string[];
  allowedRoleIds: readonly string[];
}

/** The role ids of the interaction's member (cached GuildMember or the raw API member). */
function memberRoleIds(interaction: Interaction): string[] {
  const member = interaction.member;
  if (!member) return [];
  return Array.isArray(member.roles) ? member.roles : [...member.roles.cache.keys()];
}

export function isAllowed(interaction: Interaction, policy: AccessPolicy): boolean {
  if (policy.allowedUserIds.includes(interaction.user.id)) return true;
  return memberRoleIds(interaction).some((r) => policy.allowedRoleIds.includes(r));
}

/** @throws BridgeError `NOT_ALLOWED` (its text shows the user their own id and what to ask for) */
export function assertAllowed(interaction: Interaction, policy: AccessPolicy): void {
  if (!isAllowed(interaction, policy)) throw new BridgeError('NOT_ALLOWED', { userId: interaction.user.id });
}
