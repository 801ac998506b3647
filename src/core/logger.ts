/** Logger factory: pino JSON to stdout, secrets redacted. */
import { pino, type Logger } from 'pino';

export type { Logger };

/** Paths pino removes from every log line (tokens, API keys). */
export const REDACT_PATHS = ['token', '*.token', 'DISCORD_TOKEN', '*.DISCORD_TOKEN', 'ANTHROPIC_API_KEY', '*.ANTHROPIC_API_KEY', 'env'];

export function createLogger(level: string = 'info'): Logger {
  return pino({ level, base: { app: 'claude-bridge' }, redact: { paths: REDACT_PATHS, censor: '[redacted]' } });
}
