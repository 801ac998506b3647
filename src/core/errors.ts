/**
 * `BridgeError(code, params, { cause })`: every failure a user may hear about. Users see only the
 * safe text from {@link MESSAGES}; anything else is shown as "internal error (ref …)" and logged.
 */
import { randomBytes } from 'node:crypto';


/** The one message table. Texts are safe to show to any Discord user. */
const MESSAGES = {
  INVALID_ID: (p: { kind: string; value?: string }) => `That is not a valid ${p.kind}.`,
  NOT_ALLOWED: (p: { userId: string | number }) =>
    `You are not allowed to use this bot. Ask its admin to add your user id \`${p.userId}\` to ALLOWED_USER_IDS (or give you a role listed in ALLOWED_ROLE_IDS).`,
  PROMPT_EMPTY: () => 'The prompt is empty. Usage: `/claude ask prompt:<what you want Claude to do>`.',
  SESSION_NOT_FOUND: () => 'This session has ended. Start a new one with `/claude ask`.',
  NOT_SESSION_OWNER: () => 'Only the person who started this session can do that.',
  QUEUE_FULL: (p: { waiting: string | number }) =>
    `All session slots are busy and ${p.waiting} requests are already waiting. Please try again in a few minutes.`,
  TURN_STALLED: (p: { seconds: string | number }) =>
    `Claude Code produced no output for ${p.seconds} s, so its process was ended. Send your message again to carry on.`,
  SESSION_BUSY: () => 'Claude is still answering in this session. Wait for the answer, or press Stop first.',
  NOTHING_TO_REGENERATE: () => 'There is no prompt in this session to answer again yet.',
  NOT_YOURS: () => 'That session belongs to someone else.',
  TRANSCRIPT_NOT_FOUND: () => 'No Claude Code session with that id exists in this working directory.',
  IMPORT_INVALID: () => 'That file is neither a Claude Code transcript (.jsonl) nor a JSON export of this bot. Nothing was imported.',
  IMPORT_TOO_LARGE: (p: { size: string | number; limit: string | number }) => `That file is ${p.size}; imports are limited to ${p.limit}. Nothing was imported.`,
  EXPORT_TOO_LARGE: (p: { size: string | number; limit: string | number; id: string | number; format: string | number }) =>
    `The export is ${p.size} even compressed, over Discord's ${p.limit} file limit. On the bot's host: claude-bridge export ${p.id} --format ${p.format}`,
  NO_SESSION: () => 'You have no session in this channel yet. Start one with `/claude ask`.',
  PERMISSION_SETTLED: () => 'This request was already answered, or it timed out.',
  PARKED_SETTLED: () => 'That message is no longer waiting for the usage limit: it already ran, or was cancelled.',
  MODEL_UNKNOWN: (p: { name: string | number }) => `\`${p.name}\` is not a model alias (sonnet, opus, haiku, opusplan, default) or a full model id like claude-sonnet-4-5.`,
  PROCESS_START_FAILED: (p: { reason: string | number }) => `Claude Code could not be started (${p.reason}).`,
  PROCESS_EXITED: (p: { exitCode: string | number }) => `Claude Code stopped unexpectedly (exit ${p.exitCode}). Your next message starts it again.`,
  TURN_FAILED: (p: { reason: string | number }) => `Claude Code reported an error: ${p.reason}`,
  BACKEND_UNAVAILABLE: (p: { reason: string | number }) => `No way to run Claude Code on this machine: ${p.reason}`,
  CONFIG_INVALID: (p: { detail: string | number }) => `${p.detail}`,
  STORE_FAILED: () => 'The session store failed; the admin has the details in the log.',
  OUTSIDE_WORKSPACE: (p: { dir: string | number; root: string | number }) => `\`${p.dir}\` is outside the workspace (\`${p.root}\`), symlinks resolved; only directories inside it can be used.`,
  DIR_NOT_FOUND: (p: { dir: string | number }) => `\`${p.dir}\` is not a directory on the bot's host.`,
  ATTACHMENT_REFUSED: (p: { name: string | number; reason: string | number }) => `\`${p.name}\` was not sent to Claude: ${p.reason}.`,
  FILE_NOT_FOUND: (p: { path: string | number }) => `\`${p.path}\` is not a file in this session's directory.`,
  FILE_OUTSIDE: (p: { path: string | number }) => `\`${p.path}\` is outside this session's directory (symlinks resolved); only files inside it can be sent.`,
  FILE_TOO_LARGE: (p: { path: string | number; size: string | number; limit: string | number }) => `\`${p.path}\` is ${p.size}, over the ${p.limit} upload limit.`,
  NOT_ADMIN: () => 'Only the bot\'s admins (ADMIN_USER_IDS) can do that.',
  THREAD_OWNER: (p: { ownerId: string | number }) => `This thread is <@${p.ownerId}>'s Claude session; start your own with \`/claude ask\` in the channel.`,
  CLAUDE_NOT_LOGGED_IN: () =>
    'Claude Code is not logged in on the bot\'s host. The bot\'s admin can run `npm run login` there (or set ANTHROPIC_API_KEY for the bot), then send your message again.',
  CLAUDE_AUTH_FAILED: () =>
    'Claude\'s API refused the bot\'s credentials (invalid or revoked API key or login). The bot\'s admin can run `npm run login` on its host, or fix ANTHROPIC_API_KEY, then send your message again.',
  CLAUDE_RATE_LIMITED: () => 'Claude\'s usage limit for this account is reached. Try again later (the limit resets on its own).',
  CLAUDE_OVERLOADED: () => 'Claude\'s API is overloaded right now, and Claude Code gave up retrying. Send your message again in a few minutes.',
  CLAUDE_API_FAILED: (p: { status: string | number }) => `Claude's API failed (${p.status}), and Claude Code gave up retrying. Send your message again in a moment.`,
  CLAUDE_BILLING: () => 'Claude\'s API refused the request because of the account\'s billing (credit balance or plan). The account\'s owner can check it at console.anthropic.com or claude.ai.',
  CLAUDE_ACCOUNT_BLOCKED: (p: { why: string | number }) => `The Claude account on the bot's host cannot be used right now: ${p.why}. Its owner can sort it out at claude.ai or console.anthropic.com.`,
  CLAUDE_MODEL_UNAVAILABLE: () => 'The model this session uses is not available to the Claude account on the bot\'s host. Pick another with `/claude model`.',
  CLAUDE_REQUEST_REJECTED: (p: { why: string | number; ref: string | number }) => `Claude's API rejected the request (${p.why}). The bot's admin has the details in the log (ref ${p.ref}).`,
  CLAUDE_TURN_INCOMPLETE: (p: { why: string | number; ref: string | number }) => `Claude Code stopped before finishing this answer: ${p.why}. The bot's admin has the details in the log (ref ${p.ref}).`,
  ASK_NOT_TAKEN: (p: { ref: string }) => `Your prompt was not sent to Claude: the thread for it could not be set up (ref ${p.ref}). Please send it again.`,
  SCHEDULE_INVALID: (p: { when: string }) =>
    `\`${p.when}\` is neither a cron pattern (\`0 9 * * 1-5\`, or 6 fields with seconds first) nor a phrase like \`every weekday at 9:00\`, \`every day at 18:30\`, \`every 15 minutes\`.`,
  SCHEDULE_TOO_OFTEN: (p: { when: string }) => `\`${p.when}\` runs more often than once a minute; only an admin may add such a schedule.`,
  SCHEDULE_NOT_FOUND: (p: { id: string }) => `There is no schedule \`${p.id}\`. \`/claude schedule list\` shows yours.`,
  TRIGGER_NAME_INVALID: (p: { name: string }) => `\`${p.name}\` cannot name a trigger: use 1–32 lowercase letters, digits, \`-\` or \`_\`.`,
  TRIGGER_EXISTS: (p: { name: string }) => `A trigger named \`${p.name}\` exists already; remove it first or pick another name.`,
  TRIGGER_NOT_FOUND: (p: { name: string }) => `There is no trigger \`${p.name}\`. \`/claude trigger list\` shows them.`,
  TRIGGERS_OFF: () => 'Triggers are off on this bot: its admin sets TRIGGER_PORT to turn the HTTP listener on.',
  NOT_A_REPOSITORY: (p: { dir: string }) => `\`${p.dir}\` is not inside a git repository, so a session cannot get a worktree of it. \`/claude project\` shows this channel's directory.`,
  WORKTREE_DETACHED: () => 'The repository\'s checkout is not on a branch (detached HEAD), so there is no base branch to make a worktree from.',
  WORKTREE_FAILED: (p: { ref: string }) => `git could not make or remove the worktree; the bot's log has git's message (ref ${p.ref}).`,
  NO_WORKTREE: () => 'This session does not work in a git worktree.',
  DISCORD_TOKEN_REJECTED: () =>
    'Discord rejected DISCORD_TOKEN (401 Unauthorized). Copy a fresh one (https://discord.com/developers/applications → your app → Bot → Reset Token) into .env as DISCORD_TOKEN=…',
  DISCORD_UNREACHABLE: (p: { url: string; reason: string }) =>
    `Discord could not be reached at ${p.url} (${p.reason}). Check the network connection, a proxy (HTTPS_PROXY), or DISCORD_API_URL.`,
  NATIVE_MODULE_FAILED: (p: { module: string; reason: string }) =>
    `The native module ${p.module} does not load (${p.reason}). Build it: sudo apt-get install -y make g++ python3 && npm rebuild ${p.module}`,
  /** A runner's refusal or failure, already a safe text (it made it with its own BridgeError, issue 12). */
  REMOTE: (p: { message: string }) => p.message,
  NO_RUNNER: () => 'No runner is online and none is bound to this channel. Start one with `claude-bridge runner --name <name>` on a machine, then try again; `/claude runners` lists them.',
  RUNNER_UNKNOWN: (p: { name: string }) => `No runner named \`${p.name}\` has been seen. \`/claude runners\` lists them; a new one shows there once \`claude-bridge runner --name ${p.name}\` has started.`,
  RUNNER_OFFLINE: (p: { name: string }) => `Runner \`${p.name}\` is offline; try again when it is back (\`/claude runners\`).`,
  NOT_ON_HUB: (p: { what: string }) => `\`${p.what}\` is not available yet when Claude Code runs on other machines (several-machines mode).`,
} as const satisfies Record<string, (p: never) => string>;

export type BridgeErrorCode = keyof typeof MESSAGES;

/** The typed parameters of a code's message (none for a fixed text). */
export type BridgeErrorParams<C extends BridgeErrorCode> = Parameters<(typeof MESSAGES)[C]> extends [infer P] ? P : Record<string, never>;
type Args<C extends BridgeErrorCode> = Parameters<(typeof MESSAGES)[C]> extends []
  ? [params?: Record<string, never>, options?: { cause?: unknown }]
  : [params: BridgeErrorParams<C>, options?: { cause?: unknown }];

export class BridgeError<C extends BridgeErrorCode = BridgeErrorCode> extends Error {
  override readonly name = 'BridgeError';
  readonly params: Readonly<Record<string, string | number>>;
  constructor(readonly code: C, ...[params, options]: Args<C>) {
    super((MESSAGES[code] as (p: unknown) => string)(params ?? {}), options);
    this.params = (params ?? {}) as Record<string, string | number>;
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
