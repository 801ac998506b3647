/**
 * Where a turn's answer is shown, stored with the turn when its message is accepted, so a restarted
 * bot can finish it in the same place: a channel, and either the message that shows the answer
 * (`messageId`: edited with the bot token, `PATCH /channels/{channel}/messages/{message}`, which
 * outlives the 15-minute interaction token) or — not posted yet — the user's message to reply to
 * (`replyTo`). `via`: the interaction whose reply it is, while this bot process still holds it.
 */
import { z } from 'zod';

const snowflake = z.string().regex(/^\d{17,20}$/);
const replyRefSchema = z.object({
  channelId: snowflake,
  messageId: snowflake.optional(),
  replyTo: snowflake.optional(),
  via: snowflake.optional(),
});

export type ReplyRef = z.infer<typeof replyRefSchema>;
/** A ref whose answer message exists. */
export type PostedRef = ReplyRef & { messageId: string };

/** @throws ZodError on ids that are not snowflakes */
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
