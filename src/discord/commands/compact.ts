/**
 * `/claude compact`: sends Claude Code's own `/compact` slash command as the next message (2.1.330
 * takes slash commands in stream-json user messages — `system/status` "compacting", then
 * `system/compact_boundary` with `pre_tokens`/`post_tokens` — and has no compact control request).
 * It runs as a turn like any other, and its answer says how far the conversation shrank.
 */
import { answer } from '../operations/answer.js';
import type { Command } from './types.js';

export const compactCommand = {
  name: 'compact',
  data: (sub) => sub.setName('compact').setDescription('Compact the conversation (Claude Code\'s /compact): keeps a summary, frees context'),
  requiresSession: true,
  execute: ({ interaction, session, bot }) => answer(bot, interaction, session!, (s, replyRef) => s.sendMessage('/compact', { replyRef })),
} satisfies Command;
