/**
 * Registers `/claude` over REST alone (no gateway): `GET /applications/@me` for the application id,
 * then `PUT /applications/{id}/guilds/{guild}/commands` (instant) or `PUT /applications/{id}/commands`
 * (global; Discord may take up to an hour to show it). Discord API docs, "Application Commands".
 */
import { REST, Routes, type APIApplication } from 'discord.js';
import { buildClaudeCommand } from './commands/index.js';

export async function deployCommands(o: { token: string; apiUrl: string; guildId?: string }): Promise<{ applicationId: string; scope: string }> {
  const rest = new REST({ api: o.apiUrl }).setToken(o.token);
  const app = (await rest.get(Routes.currentApplication())) as APIApplication;
  const body = [buildClaudeCommand()];
  if (o.guildId) await rest.put(Routes.applicationGuildCommands(app.id, o.guildId), { body });
  else await rest.put(Routes.applicationCommands(app.id), { body });
  return { applicationId: app.id, scope: o.guildId ? `guild ${o.guildId}` : 'global' };
}
