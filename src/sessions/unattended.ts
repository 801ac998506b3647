/**
 * A run nobody typed: a prompt started by a schedule or a trigger. It is recorded as an intent
 * (kind {@link RUN_INTENT}, payload {@link UnattendedRun}) before anything else happens, and the
 * transport finishes it by accepting the prompt into a session with that intent's id (the turn's
 * row and the intent's deletion are one transaction: `SessionStore.addTurn`). An intent left by a
 * crash is finished at start-up: a run is neither lost nor started twice.
 */
import { z } from 'zod';

export const RUN_INTENT = 'unattended-run';

export const unattendedRunSchema = z.object({
  source: z.enum(['schedule', 'trigger']),
  /** Schedule id or trigger name. */
  sourceId: z.string(),
  /** One line naming what started it (`every weekday at 9:00`, `delivery 1234`). */
  label: z.string(),
  ownerId: z.string(),
  guildId: z.string().nullable(),
  channelId: z.string(),
  threadMode: z.enum(['new', 'this']),
  /** The whole prompt as Claude gets it. */
  prompt: z.string(),
  /** Epoch ms it fell due; with `late`, it fell due while the bot was down. */
  dueAt: z.number(),
  late: z.boolean(),
  /** The transport's message announcing the run, once posted (its id; a thread's id too). */
  messageId: z.string().optional(),
});

export type UnattendedRun = z.infer<typeof unattendedRunSchema>;

/** Events of the schedules and triggers: a run was recorded and is to be started by the transport. */
export interface AutomationEvents {
  run: (intentId: string, run: UnattendedRun) => void;
}
