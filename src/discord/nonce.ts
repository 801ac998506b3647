/**
 * Message nonces for idempotent posts. Create Message with `nonce` and `enforce_nonce: true`
 * (Discord API docs, "Create Message"): another message by the same author with the same nonce in
 * the last few minutes is returned instead of a new one, so a post retried after a crash or a lost
 * answer appears once. A nonce is at most 25 characters.
 */
import { createHash } from 'node:crypto';

/** A nonce derived from what the message is for (e.g. a turn id and a chunk number). */
export function nonceOf(...parts: Array<string | number>): string {
  return createHash('sha256').update(parts.join(':')).digest('base64url').slice(0, 25);
}
