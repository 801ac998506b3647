/**
 * Logger factory: pino JSON lines (pretty through pino-pretty when stdout is a terminal), with
 * secrets redacted wherever they appear in a logged object. Sessions log through child loggers
 * (`{ session: <id> }`).
 */
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** Paths pino replaces with `[redacted]`: bot tokens, API keys, auth headers, whole environments. */
export const REDACT_PATHS = [
  'token', '*.token', 'DISCORD_TOKEN', '*.DISCORD_TOKEN', 'ANTHROPIC_API_KEY', '*.ANTHROPIC_API_KEY',
  'authorization', '*.authorization', '*.headers.authorization', 'env', '*.env',
];

export interface LoggerOptions {
  /** Where lines go (tests); default stdout. */
  destination?: DestinationStream;
  /** Human-readable output; default: when stdout is a terminal. */
  pretty?: boolean;
}

export function createLogger(level: string = 'info', opts: LoggerOptions = {}): Logger {
  const options = { level, base: { app: 'claude-bridge' }, redact: { paths: REDACT_PATHS, censor: '[redacted]' } };
  if (opts.destination) return pino(options, opts.destination);
  if (opts.pretty ?? process.stdout.isTTY === true) {
    return pino({ ...options, transport: { target: 'pino-pretty', options: { colorize: true, ignore: 'pid,hostname,app' } } });
  }
  return pino(options);
}
