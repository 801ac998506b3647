/**
 * `/claude file path:<p>`: the owner fetches a file from the session's working directory, attached
 * to the reply. The path (relative to the directory, or absolute inside it) must resolve — realpath,
 * symlinks followed — to a regular file inside it, within the upload limit (`MAX_UPLOAD_MB`);
 * otherwise the refusal is ephemeral, before anything is posted.
 */
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { AttachmentBuilder } from 'discord.js';
import { formatBytes, resolveSessionFile } from '../../sessions/session-files.js';
import type { Command } from './types.js';

export const fileCommand = {
  name: 'file',
  data: (sub) =>
    sub.setName('file').setDescription("Get a file from this session's working directory")
      .addStringOption((o) => o.setName('path').setDescription('Path relative to the working directory').setRequired(true).setMaxLength(1000)),
  requiresSession: true,
  async execute({ interaction, session, bot }) {
    const cwd = session!.record.cwd;
    const file = await resolveSessionFile(cwd, interaction.options.getString('path', true), bot.maxUploadBytes); // refusals: ephemeral
    await interaction.deferReply(); // an upload of several MiB can take longer than Discord's 3 s
    const shown = path.relative(await realpath(cwd), file.real);
    await interaction.editReply({
      content: `📎 \`${shown.replace(/`/g, "'")}\` (${formatBytes(file.size)})`,
      files: [new AttachmentBuilder(file.real, { name: file.name })], allowedMentions: { parse: [] },
    });
  },
} satisfies Command;
