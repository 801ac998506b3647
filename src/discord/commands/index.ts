/** The `/claude` command: every subcommand, and its JSON for registration. */
import { SlashCommandBuilder, type RESTPostAPIChatInputApplicationCommandsJSONBody } from 'discord.js';
import { ask } from './ask.js';
import type { Command } from './types.js';

export const COMMAND_NAME = 'claude';
export const SUBCOMMANDS: readonly Command[] = [ask];

export function buildClaudeCommand(): RESTPostAPIChatInputApplicationCommandsJSONBody {
  const builder = new SlashCommandBuilder().setName(COMMAND_NAME).setDescription('Drive Claude Code on this machine');
  for (const c of SUBCOMMANDS) builder.addSubcommand(c.data);
  return builder.toJSON();
}
