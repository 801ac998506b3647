/** Operations on a session's conversation that build on the Session API: regenerate. */
import { BridgeError } from '../core/errors.js';
import { makeClaudeSessionId } from '../core/ids.js';
import { summarizeTranscript } from '../claude/transcript.js';
import type { Session } from './session.js';
import type { Turn } from './turn.js';

/**
 * A new answer to the last prompt from the same point: the conversation forks at the entry before
 * that prompt (`--resume-session-at`, measured on 2.1.330), the prompt is sent again, and the session
 * follows the new branch; the old one stays in its transcript.
 * @throws BridgeError `SESSION_BUSY` while a turn runs or waits, `NOTHING_TO_REGENERATE` without a prompt
 */
export async function regenerate(session: Session, opts: { replyRef?: string } = {}): Promise<Turn> {
  if (session.isBusy) throw new BridgeError('SESSION_BUSY');
  const last = (await summarizeTranscript(session.transcriptFile).catch(() => null))?.lastPrompt;
  if (!last) throw new BridgeError('NOTHING_TO_REGENERATE');
  const from = session.record.claudeSessionId;
  const to = { claudeSessionId: makeClaudeSessionId(), forkFrom: last.parentUuid ? from : null, forkAt: last.parentUuid };
  await session.repoint(to, { expectNew: last.parentUuid === null });
  session.log.info({ from, to: to.claudeSessionId, at: last.parentUuid }, 'regenerating the last answer');
  return session.sendMessage(last.text, opts);
}
