/**
 * The configuration schema. The variable names are a contract: outside tooling sets them.
 * Every value comes from the environment (or `.env`) as a string; the schema turns it into a value.
 */
import { z } from 'zod';
import { isTimeZone } from './time-zone.js';

const SNOWFLAKE = /^\d{17,20}$/;

const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'expected true or false' })
    .optional()
    .transform((v) => (v === undefined ? fallback : v === 'true' || v === '1' || v === 'yes'));

const wholeNumber = (fallback: number, min: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return fallback;
      const n = Number(v);
      if (!Number.isInteger(n) || n < min) {
        ctx.addIssue({ code: 'custom', message: `expected a whole number of at least ${min}` });
        return z.NEVER;
      }
      return n;
    });
const positiveInt = (fallback: number) => wholeNumber(fallback, 1);

const snowflakeList = z
  .string()
  .optional()
  .transform((v, ctx) => {
    const ids = (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    const bad = ids.find((id) => !SNOWFLAKE.test(id));
    if (bad !== undefined) {
      ctx.addIssue({ code: 'custom', message: `expected comma-separated Discord ids (17–20 digits), got "${bad}"` });
      return z.NEVER;
    }
    return ids;
  });

const optionalString = z.string().optional().transform((v) => (v === '' ? undefined : v));

export const configSchema = z.object({
  /** Bot token from the Discord developer portal (Bot → Reset Token). */
  DISCORD_TOKEN: optionalString,
  /** Register `/claude` in this guild only (instant); else globally. */
  DISCORD_GUILD_ID: optionalString.refine((v) => v === undefined || SNOWFLAKE.test(v), {
    message: 'expected a Discord guild id (17–20 digits)',
  }),
  /** REST base URL passed to discord.js `rest.api`. */
  DISCORD_API_URL: z.url({ error: 'expected a URL such as https://discord.com/api' }).default('https://discord.com/api'),
  /** Path of the `claude` binary; else `claude` on PATH, else the one bundled with the Agent SDK. */
  CLAUDE_BIN: optionalString,
  /** Default working directory of sessions. */
  CLAUDE_WORKDIR: optionalString.transform((v) => v ?? process.cwd()),
  /** SQLite file of the session store. */
  DATABASE_PATH: z.string().min(1).default('data/sessions.db'),
  /** false: an in-memory store; nothing survives a restart. */
  ENABLE_PERSISTENCE: bool(true),
  /** Upper bound on live `claude` processes. */
  MAX_SESSIONS: positiveInt(10),
  /**
   * `claude` processes kept started ahead of need in the most recently used working directories, so
   * a new session's first answer does not wait for Claude Code to start; counted within
   * MAX_SESSIONS and the first to go when a slot is needed. 0 turns them off.
   */
  SPARE_PROCESSES: wholeNumber(1, 0),
  /** Seconds without activity before a session is suspended. */
  DEFAULT_TIMEOUT: positiveInt(300),
  /** Upper bound on one user's live processes. */
  MAX_SESSIONS_PER_USER: positiveInt(3),
  /** Requests that may wait for a free process slot; beyond it they are refused. */
  MAX_QUEUE: positiveInt(20),
  /** Seconds between health checks of live sessions. */
  HEALTH_INTERVAL: positiveInt(60),
  /** Seconds a running turn may go without any output before its process counts as stuck. */
  TURN_STALL_TIMEOUT: positiveInt(900),
  /** true: a user's first ask in a channel resumes the newest Claude session of the working directory. */
  AUTO_RESUME: bool(false),
  /** false: end every claude process when the bot stops (default: tmux-held ones keep running). */
  KEEP_PROCESSES_ON_EXIT: bool(true),
  /**
   * Claude Code's permission mode for every session (`--permission-mode`). In `default`, a tool
   * that needs a permission is asked about in Discord; `acceptEdits` lets file edits through.
   * As root, `bypassPermissions` also needs IS_SANDBOX=1 (Claude Code refuses it otherwise).
   */
  PERMISSION_MODE: z
    .enum(['default', 'acceptEdits', 'bypassPermissions', 'plan', 'dontAsk', 'auto'], {
      error: 'expected default, acceptEdits, bypassPermissions, plan, dontAsk or auto',
    })
    .default('default'),
  /**
   * Seconds a tool permission request, a question of Claude's, a plan or an MCP form waits for the
   * owner's answer before it is denied (a form: cancelled).
   */
  PERMISSION_TIMEOUT: positiveInt(600),
  /** An MCP config file (`{"mcpServers": {…}}`) whose servers every session's Claude Code gets (`--mcp-config`). */
  MCP_CONFIG: optionalString,
  /** How each session's `claude` process is run. */
  SESSION_BACKEND: z.enum(['auto', 'tmux', 'pty'], { error: 'expected auto, tmux or pty' }).default('auto'),
  ALLOWED_USER_IDS: snowflakeList,
  ALLOWED_ROLE_IDS: snowflakeList,
  /** Users who may act on any session and set a channel's directory (`/claude project`); always allowed. */
  ADMIN_USER_IDS: snowflakeList,
  /** Every session's directory must resolve (realpath) inside this one; default CLAUDE_WORKDIR. */
  WORKSPACE_ROOT: optionalString,
  /**
   * true: `/claude ask` in a channel opens a thread for the session, and plain messages in it go to
   * Claude (needs the Message Content intent). false: everything stays in the channel.
   */
  THREADS: bool(true),
  /**
   * Largest file the bot uploads, MiB: what Claude sends with `send_file` and `/claude file`.
   * Discord's limit for a bot in a server without boosts is 10 MiB; raise it for boosted servers.
   */
  MAX_UPLOAD_MB: positiveInt(10),
  /**
   * false: sessions get no `send_file` tool. Its MCP server is a process per live session (~65 MiB),
   * and Claude Code waits for it at each start and checks it each turn (BENCHMARKS.md).
   */
  SEND_FILES: bool(true),
  /** Messages of answer text at most; a longer answer is attached whole as `answer.md`. */
  MAX_INLINE_CHUNKS: positiveInt(4),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      error: 'expected one of fatal, error, warn, info, debug, trace, silent',
    })
    .default('info'),
  /** IANA time zone schedules are read in (`Europe/Berlin`); default the host's. */
  SCHEDULE_TZ: optionalString.refine((v) => v === undefined || isTimeZone(v), { message: 'expected an IANA time zone such as Europe/Berlin or UTC' }),
  /** Port of the trigger listener (`POST /triggers/<name>`); unset: no listener. 0: any free port (logged). */
  TRIGGER_PORT: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return undefined;
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 65535) {
        ctx.addIssue({ code: 'custom', message: 'expected a TCP port, 0 to 65535' });
        return z.NEVER;
      }
      return n;
    }),
  /** Address the trigger listener binds to; only loopback unless set. */
  TRIGGER_HOST: optionalString.transform((v) => v ?? '127.0.0.1'),
  /** Runs one trigger may start per minute; more requests get 429. */
  TRIGGER_RATE_LIMIT: positiveInt(10),
  /** tmux socket name (`tmux -L`): one tmux server per bot install. */
  TMUX_SOCKET: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected letters, digits, _ or -').default('cdb'),
  /** Directory for each live session's FIFO and output file. */
  RUN_DIR: z.string().min(1).default('data/run'),
  /** Several machines (issue 12): the NATS server hub and runners meet at (`nats://host:4222`); unset: all in one process. */
  NATS_URL: optionalString
    .refine((v) => v === undefined || /^(nats|tls):\/\/[^\s]+$/.test(v), { message: 'expected a URL such as nats://127.0.0.1:4222' })
    .refine((v) => v === undefined || !/^[a-z]+:\/\/[^/]*@/.test(v), { message: 'put the user and password in NATS_USER and NATS_PASSWORD, not in the URL (it is logged)' }),
  /** NATS user and password of this hub or runner (else NATS_CREDS). */
  NATS_USER: optionalString,
  NATS_PASSWORD: optionalString,
  /** A NATS creds file (JWT + nkey seed) instead of NATS_USER/NATS_PASSWORD. */
  NATS_CREDS: optionalString,
  /** PEM file of the CA that signed the NATS server's certificate: TLS to it, verified. */
  NATS_TLS_CA: optionalString,
  /** PEM files of this hub's or runner's client certificate and key, for a server that verifies clients (both or neither). */
  NATS_TLS_CERT: optionalString,
  NATS_TLS_KEY: optionalString,
  /** `true`: plain TCP to a NATS_URL that is not loopback (a private network such as Docker's); else refused without TLS. */
  NATS_ALLOW_PLAINTEXT: bool(false),
  /** This runner's name (`claude-bridge runner`; `--name` wins): 1–32 of a-z, 0-9, _ and -. */
  RUNNER_NAME: optionalString.refine((v) => v === undefined || /^[a-z0-9][a-z0-9_-]{0,31}$/.test(v), { message: 'expected 1–32 of a-z, 0-9, _ and -, starting with a letter or digit' }),
});

export type Config = z.output<typeof configSchema>;
