/** One `/claude` subcommand: builder, handler, preconditions as data, optional autocomplete. */
import type {
  ApplicationCommandOptionChoiceData, AutocompleteInteraction, ChatInputCommandInteraction, SlashCommandSubcommandBuilder,
} from 'discord.js';
import type { Logger } from '../../core/logger.js';
import type { SessionManager } from '../../sessions/manager.js';
import type { Session } from '../../sessions/session.js';
import type { BotContext } from '../context.js';

export interface CommandContext {
  interaction: ChatInputCommandInteraction;
  manager: SessionManager;
  log: Logger;
  bot: BotContext;
  /** The user's current session in this channel; set when the command `requiresSession`. */
  session: Session | null;
}

export interface Command {
  /** Subcommand name under `/claude`; in a group, `<group> <name>` (`schedule add`). */
  name: string;
  /** The subcommand group it belongs to (`/claude schedule add`), with the group's description. */
  group?: { name: string; description: string };
  /** Fills in the subcommand's description and options. */
  data: (sub: SlashCommandSubcommandBuilder) => SlashCommandSubcommandBuilder;
  /** Refused with "no session" unless the user has a current session in this channel. */
  requiresSession?: boolean;
  execute: (ctx: CommandContext) => Promise<void>;
  /** Choices for the focused option (≤ 25, answered within 3 s, no deferral). */
  autocomplete?: (interaction: AutocompleteInteraction, manager: SessionManager, bot: BotContext) => Promise<ApplicationCommandOptionChoiceData[]>;
}
