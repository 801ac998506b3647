/**
 * `/claude usage`: asks the session's live process (`get_usage`, `get_context_usage` control
 * requests; Claude Code 2.1.330 has both) and answers privately.
 */
import { MessageFlags } from 'discord.js';
import type { SDKControlGetContextUsageResponse, SDKControlGetUsageResponse } from '@anthropic-ai/claude-agent-sdk';
import { renderUsage } from '../render/usage.js';
import type { Command } from './types.js';

export const usageCommand = {
  name: 'usage',
  data: (sub) => sub.setName('usage').setDescription('Context use, cost, and the plan\'s 5-hour and weekly limits'),
  requiresSession: true,
  async execute({ interaction, session, log }) {
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const s = session!;
    const ask = <T>(q: 'get_usage' | 'get_context_usage') => s.ask(q).then((v) => v as T | null, (err: Error) => {
      log.warn({ err, session: s.id, query: q }, 'Claude Code did not answer a usage question');
      return err;
    });
    const [context, usage] = await Promise.all([
      ask<SDKControlGetContextUsageResponse>('get_context_usage'), ask<SDKControlGetUsageResponse>('get_usage'),
    ]);
    await interaction.editReply({ content: renderUsage({ record: s.record, context, usage, rateLimit: s.rateLimit }) });
  },
} satisfies Command;
