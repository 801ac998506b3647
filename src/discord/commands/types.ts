/** The shape of one `/claude` subcommand: its builder and handler, preconditions as data. */
import type { ChatInputCommandInteraction, SlashCommandSubcommandBuilder } from 'discord.js';
import type { Logger } from '../../core/logger.js';
import type { SessionManager } from '../../sessions/manager.js';

export interface CommandContext {
  interaction: ChatInputCommandInteraction;
  manager: SessionManager;
  log: Logger;
}

export interface Command {
  /** Subcommand name under `/claude`. */
  name: string;
  /** Fills in the subcommand's description and options. */
  data: (sub: SlashCommandSubcommandBuilder) => SlashCommandSubcommandBuilder;
  execute: (ctx: CommandContext) => Promise<void>;
}
