/**
 * `BridgeError(code, params, { cause })`: every failure a user may hear about. Users see only the
 * safe text from {@link MESSAGES}; anything else is shown as "internal error (ref …)" and logged.
 */
import { randomBytes } from 'node:crypto';

type Params = Record<string, string | number | undefined>;

/** The one message table. Texts are safe to show to any Discord user. */
const MESSAGES = {
  INVALID_ID: (p: Params) => `That is not a valid ${p.kind}.`,
  NOT_ALLOWED: (p: Params) =>
    `You are not allowed to use this bot. Ask its admin to add your user id \`${p.userId}\` to ALLOWED_USER_IDS (or give you a role listed in ALLOWED_ROLE_IDS).`,
  PROMPT_EMPTY: () => 'The prompt is empty. Usage: `/claude ask prompt:<what you want Claude to do>`.',
  SESSION_NOT_FOUND: () => 'This session has ended. Start a new one with `/claude ask`.',
  NOT_SESSION_OWNER: () => 'Only the person who started this session can do that.',
  QUEUE_FULL: (p: Params) =>
    `All session slots are busy and ${p.waiting} requests are already waiting. Please try again in a few minutes.`,
  TURN_STALLED: (p: Params) =>
    `Claude Code produced no output for ${p.seconds} s, so its process was ended. Send your message again to carry on.`,
  SESSION_BUSY: () => 'Claude is still answering in this session. Wait for the answer, or press Stop first.',
  NOTHING_TO_REGENERATE: () => 'There is no prompt in this session to answer again yet.',
  NOT_YOURS: () => 'That session belongs to someone else.',
  TRANSCRIPT_NOT_FOUND: () => 'No Claude Code session with that id exists in this working directory.',
  IMPORT_INVALID: () => 'That file is neither a Claude Code transcript (.jsonl) nor a JSON export of this bot. Nothing was imported.',
  IMPORT_TOO_LARGE: (p: Params) => `That file is ${p.size}; imports are limited to ${p.limit}. Nothing was imported.`,
  EXPORT_TOO_LARGE: (p: Params) =>
    `The export is ${p.size} even compressed, over Discord's ${p.limit} file limit. On the bot's host: claude-bridge export ${p.id} --format ${p.format}`,
  NO_SESSION: () => 'You have no session in this channel yet. Start one with `/claude ask`.',
  PERMISSION_SETTLED: () => 'This request was already answered, or it timed out.',
  MODEL_UNKNOWN: (p: Params) => `\`${p.name}\` is not a model alias (sonnet, opus, haiku, opusplan, default) or a full model id like claude-sonnet-4-5.`,
  PROCESS_START_FAILED: (p: Params) => `Claude Code could not be started (${p.reason}).`,
  PROCESS_EXITED: (p: Params) => `Claude Code stopped unexpectedly (exit ${p.exitCode}). Your next message starts it again.`,
  TURN_FAILED: (p: Params) => `Claude Code reported an error: ${p.reason}`,
  BACKEND_UNAVAILABLE: (p: Params) => `No way to run Claude Code on this machine: ${p.reason}`,
  CONFIG_INVALID: (p: Params) => `${p.detail}`,
  STORE_FAILED: () => 'The session store failed; the admin has the details in the log.',
  OUTSIDE_WORKSPACE: (p: Params) => `\`${p.dir}\` is outside the workspace (\`${p.root}\`), symlinks resolved; only directories inside it can be used.`,
  DIR_NOT_FOUND: (p: Params) => `\`${p.dir}\` is not a directory on the bot's host.`,
  NOT_ADMIN: () => 'Only the bot\'s admins (ADMIN_USER_IDS) can do that.',
  THREAD_OWNER: (p: Params) => `This thread is <@${p.ownerId}>'s Claude session; start your own with \`/claude ask\` in the channel.`,
  PROMPT_FILE_INVALID: (p: Params) => `The prompt file must be a text file (.txt or .md) of at most ${p.limit}; \`${p.name}\` is not.`,
} as const satisfies Record<string, (p: Params) => string>;

export type BridgeErrorCode = keyof typeof MESSAGES;

export class BridgeError extends Error {
  override readonly name = 'BridgeError';
  constructor(
    readonly code: BridgeErrorCode,
    readonly params: Params = {},
    options?: { cause?: unknown },
  ) {
    super(MESSAGES[code](params), options);
  }

  /** The text a user may see. */
  get userMessage(): string {
    return this.message;
  }
}

/** A short random reference that ties a user-visible "internal error" to its log line. */
export function makeErrorRef(): string {
  return randomBytes(4).toString('hex');
}

/**
 * What to show a user for any thrown value: a BridgeError's safe text, else
 * `internal error (ref <ref>)` — the caller logs the cause with the same ref.
 */
export function userFacingMessage(err: unknown, ref: string): string {
  return err instanceof BridgeError ? err.userMessage : `Something went wrong on our side (internal error, ref ${ref}).`;
}
