/** The `/claude` command: every subcommand, and its JSON for registration. */
import { SlashCommandBuilder, type RESTPostAPIChatInputApplicationCommandsJSONBody } from 'discord.js';
import { ask } from './ask.js';
import { cleanCommand } from './clean.js';
import { fileCommand } from './file.js';
import { importCommand } from './import.js';
import { infoCommand } from './info.js';
import { modeCommand } from './mode.js';
import { modelCommand } from './model.js';
import { newCommand } from './new.js';
import { projectCommand } from './project.js';
import { scheduleCommands } from './schedule.js';
import { resumeCommand, sessionsCommand } from './sessions.js';
import { branchCommand, continueCommand, exportCommand, regenerateCommand, stopCommand } from './simple.js';
import { triggerCommands } from './trigger.js';
import type { Command } from './types.js';
import { compactCommand } from './compact.js';
import { usageCommand } from './usage.js';

export const COMMAND_NAME = 'claude';
export const SUBCOMMANDS: readonly Command[] = [
  ask, newCommand, continueCommand, regenerateCommand, stopCommand, branchCommand, exportCommand,
  modelCommand, modeCommand, infoCommand, sessionsCommand, resumeCommand, cleanCommand, importCommand, projectCommand,
  ...scheduleCommands, ...triggerCommands, usageCommand, compactCommand, fileCommand,
];

/** The command named by an interaction's subcommand group (if any) and subcommand. */
export function findSubcommand(group: string | null, sub: string): Command | undefined {
  const name = group ? `${group} ${sub}` : sub;
  return SUBCOMMANDS.find((c) => c.name === name);
}

export function buildClaudeCommand(): RESTPostAPIChatInputApplicationCommandsJSONBody {
  const builder = new SlashCommandBuilder().setName(COMMAND_NAME).setDescription('Drive Claude Code on this machine');
  for (const c of SUBCOMMANDS) if (!c.group) builder.addSubcommand(c.data);
  // Subcommand groups (Discord API, "Subcommands and Subcommand Groups"): `/claude schedule add`.
  const groups = new Map(SUBCOMMANDS.filter((c) => c.group).map((c) => [c.group!.name, c.group!.description]));
  for (const [name, description] of groups) {
    builder.addSubcommandGroup((g) => {
      g.setName(name).setDescription(description);
      for (const c of SUBCOMMANDS) if (c.group?.name === name) g.addSubcommand(c.data);
      return g;
    });
  }
  return builder.toJSON();
}
