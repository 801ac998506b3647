/**
 * Where a turn's answer is shown, stored with the turn so a restarted bot can finish it in the same
 * message: the channel and the id of the reply message. Edited later with the bot token
 * (`PATCH /channels/{channel}/messages/{message}`), which outlives the 15-minute interaction token.
 */
import { z } from 'zod';

const replyRefSchema = z.object({ channelId: z.string().regex(/^\d{17,20}$/), messageId: z.string().regex(/^\d{17,20}$/) });

export type ReplyRef = z.infer<typeof replyRefSchema>;

export function makeReplyRef(ref: ReplyRef): string {
  return JSON.stringify(replyRefSchema.parse(ref));
}

/** `null` for a missing or malformed ref. */
export function parseReplyRef(text: string | null): ReplyRef | null {
  if (!text) return null;
  try {
    const r = replyRefSchema.safeParse(JSON.parse(text));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}
