/**
 * `/claude continue | regenerate | stop | branch | export`: the twins of the answer buttons, acting
 * on the user's current session in this channel.
 */
import { EXPORT_FORMATS, type ExportFormat } from '../../claude/export.js';
import { postExport } from '../operations/export.js';
import { branchSession, continueSession, regenerateAnswer, stopSession } from '../operations/session-actions.js';
import type { Command } from './types.js';

export const continueCommand = {
  name: 'continue',
  data: (sub) => sub.setName('continue').setDescription('Tell Claude to continue where it left off'),
  requiresSession: true,
  execute: ({ interaction, session, bot }) => continueSession(bot, interaction, session!),
} satisfies Command;

export const regenerateCommand = {
  name: 'regenerate',
  data: (sub) => sub.setName('regenerate').setDescription('Answer the last prompt again, from the same point'),
  requiresSession: true,
  execute: ({ interaction, session, bot }) => regenerateAnswer(bot, interaction, session!),
} satisfies Command;

export const stopCommand = {
  name: 'stop',
  data: (sub) => sub.setName('stop').setDescription('Interrupt the answer being written'),
  requiresSession: true,
  execute: ({ interaction, session }) => stopSession(interaction, session!),
} satisfies Command;

export const branchCommand = {
  name: 'branch',
  data: (sub) => sub.setName('branch').setDescription('Fork this conversation into a new session with the same history'),
  requiresSession: true,
  execute: ({ interaction, session, bot }) => branchSession(bot, interaction, session!),
} satisfies Command;

export const exportCommand = {
  name: 'export',
  data: (sub) =>
    sub.setName('export').setDescription('Post this conversation as a file').addStringOption((o) =>
      o.setName('format').setDescription('markdown (default), json or jsonl (the raw transcript)')
        .addChoices(...EXPORT_FORMATS.map((f) => ({ name: f, value: f })))),
  requiresSession: true,
  execute: ({ interaction, session }) =>
    postExport(interaction, session!, (interaction.options.getString('format') ?? 'markdown') as ExportFormat),
} satisfies Command;
