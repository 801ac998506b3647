/**
 * Logging in to the gateway, and what a refused privileged intent means. Discord closes the
 * connection with 4014 "Disallowed intent(s)" when the app asks for a privileged intent (Message
 * Content) that is not enabled in the Developer Portal (API docs, "Gateway Intents", close codes).
 */
import { DiscordAPIError, Events, GatewayIntentBits, type Client } from 'discord.js';
import { BridgeError } from '../core/errors.js';

/** Close code 4014: a privileged intent the app may not use. */
const DISALLOWED_INTENTS = 4014;

export const MESSAGE_CONTENT_HELP =
  'Discord refused the Message Content intent, so plain messages in session threads cannot be read; ' +
  '/claude commands still work everywhere. To enable it: https://discord.com/developers/applications → ' +
  'your app → Bot → Privileged Gateway Intents → turn on "Message Content Intent", then restart the bot. ' +
  '(Or set THREADS=false to keep sessions in channels.)';

export class DisallowedIntentsError extends Error {
  constructor() {
    super('Discord refused a privileged intent (close code 4014)');
  }
}

/**
 * The intents the bot asks for: guilds always; with threads, guild messages and their content, and
 * typing (a suspended session resumes while its owner types: `./typing.ts`).
 */
export function intentsFor(o: { threads: boolean; messageContent: boolean }): GatewayIntentBits[] {
  const intents = [GatewayIntentBits.Guilds];
  if (o.threads) intents.push(GatewayIntentBits.GuildMessages, GatewayIntentBits.GuildMessageTyping);
  if (o.threads && o.messageContent) intents.push(GatewayIntentBits.MessageContent);
  return intents;
}

/** Network error codes that mean "Discord is not reachable from here" (Node's net/dns and undici's). */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN',
  'EPIPE', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET', 'CERT_HAS_EXPIRED', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT',
]);

/** The first network error code in an error, its causes, or an AggregateError's errors. */
function networkCode(err: unknown, depth = 0): string | null {
  if (!(err instanceof Error) || depth > 4) return null;
  const code = (err as NodeJS.ErrnoException).code;
  if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) return code;
  if (err.name === 'AbortError' || err.name === 'TimeoutError') return 'timed out';
  for (const inner of [err.cause, ...(err instanceof AggregateError ? err.errors : [])]) {
    const found = networkCode(inner, depth + 1);
    if (found) return found;
  }
  return null;
}

/**
 * What a failed login means for the operator: a rejected token and an unreachable Discord become a
 * {@link BridgeError} with the fix in one line (the original error as its cause); anything else is
 * returned unchanged.
 */
export function explainLoginError(err: unknown, apiUrl: string): unknown {
  if (err instanceof BridgeError || err instanceof DisallowedIntentsError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'TokenInvalid' || code === 'TokenMissing' || (err instanceof DiscordAPIError && err.status === 401)) {
    return new BridgeError('DISCORD_TOKEN_REJECTED', {}, { cause: err });
  }
  const net = networkCode(err);
  if (net) return new BridgeError('DISCORD_UNREACHABLE', { url: apiUrl, reason: net }, { cause: err });
  return err;
}

/**
 * Logs in and resolves once the client is ready.
 * @throws DisallowedIntentsError when Discord closes with 4014; BridgeError `DISCORD_TOKEN_REJECTED`
 * or `DISCORD_UNREACHABLE` (see {@link explainLoginError}); other discord.js login errors as they are
 */
export async function loginAndWait(client: Client, token: string): Promise<void> {
  let onDisconnect!: (event: { code: number }) => void;
  const refused = new Promise<never>((_, reject) => {
    onDisconnect = (event) => { if (event.code === DISALLOWED_INTENTS) reject(new DisallowedIntentsError()); };
    client.on(Events.ShardDisconnect, onDisconnect);
  });
  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  try {
    await Promise.race([client.login(token).then(() => ready), refused]);
  } catch (err) {
    throw explainLoginError(err, String(client.options.rest?.api ?? 'https://discord.com/api'));
  } finally {
    client.off(Events.ShardDisconnect, onDisconnect);
  }
}
