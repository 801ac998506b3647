/** The `/claude` command: every subcommand, and its JSON for registration. */
import { SlashCommandBuilder, type RESTPostAPIChatInputApplicationCommandsJSONBody } from 'discord.js';
import { ask } from './ask.js';
import { cleanCommand } from './clean.js';
import { importCommand } from './import.js';
import { infoCommand } from './info.js';
import { modelCommand } from './model.js';
import { newCommand } from './new.js';
import { projectCommand } from './project.js';
import { resumeCommand, sessionsCommand } from './sessions.js';
import { branchCommand, continueCommand, exportCommand, regenerateCommand, stopCommand } from './simple.js';
import type { Command } from './types.js';

export const COMMAND_NAME = 'claude';
export const SUBCOMMANDS: readonly Command[] = [
  ask, newCommand, continueCommand, regenerateCommand, stopCommand, branchCommand, exportCommand,
  modelCommand, infoCommand, sessionsCommand, resumeCommand, cleanCommand, importCommand, projectCommand,
];

export function buildClaudeCommand(): RESTPostAPIChatInputApplicationCommandsJSONBody {
  const builder = new SlashCommandBuilder().setName(COMMAND_NAME).setDescription('Drive Claude Code on this machine');
  for (const c of SUBCOMMANDS) builder.addSubcommand(c.data);
  return builder.toJSON();
}
