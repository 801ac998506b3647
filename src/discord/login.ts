/**
 * Logging in to the gateway, and what a refused privileged intent means. Discord closes the
 * connection with 4014 "Disallowed intent(s)" when the app asks for a privileged intent (Message
 * Content) that is not enabled in the Developer Portal (API docs, "Gateway Intents", close codes).
 */
import { Events, GatewayIntentBits, type Client } from 'discord.js';

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

/** The intents the bot asks for: guilds always; with threads, guild messages and their content. */
export function intentsFor(o: { threads: boolean; messageContent: boolean }): GatewayIntentBits[] {
  const intents = [GatewayIntentBits.Guilds];
  if (o.threads) intents.push(GatewayIntentBits.GuildMessages);
  if (o.threads && o.messageContent) intents.push(GatewayIntentBits.MessageContent);
  return intents;
}

/**
 * Logs in and resolves once the client is ready.
 * @throws DisallowedIntentsError when Discord closes with 4014; discord.js login errors otherwise
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
  } finally {
    client.off(Events.ShardDisconnect, onDisconnect);
  }
}
