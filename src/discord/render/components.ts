/** The button rows under answers (Discord: ≤ 5 rows × 5 buttons, `custom_id` ≤ 100 chars). */
import { ActionRowBuilder, ButtonBuilder, ButtonStyle } from 'discord.js';
import { makeComponentId, type BridgeSessionId } from '../../core/ids.js';

export type ButtonRow = ActionRowBuilder<ButtonBuilder>;

/** Under an answer while it streams: Stop for that turn (`turnId`) only. */
export function streamingRow(sessionId: BridgeSessionId, turnId: string): ButtonRow {
  return new ActionRowBuilder<ButtonBuilder>().addComponents(
    new ButtonBuilder().setCustomId(makeComponentId('stop', sessionId, turnId)).setLabel('Stop').setStyle(ButtonStyle.Danger),
  );
}

/** Under a finished answer. */
export function answerRow(sessionId: BridgeSessionId): ButtonRow {
  const button = (action: 'continue' | 'regenerate' | 'branch' | 'export', label: string, style = ButtonStyle.Secondary) =>
    new ButtonBuilder().setCustomId(makeComponentId(action, sessionId)).setLabel(label).setStyle(style);
  return new ActionRowBuilder<ButtonBuilder>().addComponents(
    button('continue', 'Continue', ButtonStyle.Primary),
    button('regenerate', 'Regenerate'),
    button('branch', 'Branch'),
    button('export', 'Export'),
  );
}
