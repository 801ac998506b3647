/**
 * Registering `/claude` (Bulk Overwrite Application Commands: `PUT /applications/{id}/commands`, or
 * the guild's; Discord API docs, "Application Commands") without making start-up wait for it when
 * nothing changed. The hash of what was last registered — the body, the application and the guild —
 * is kept in a stamp file; when it matches, start-up goes on at once and the same body is put again
 * in the background (Discord keeps registered commands, and this restores them if someone deleted
 * them meanwhile). A changed definition is registered before start-up counts as ready, so a new
 * subcommand is never offered late.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { ApplicationCommandDataResolvable, ClientApplication } from 'discord.js';
import type { Logger } from '../core/logger.js';

/**
 * Registers `body` for the application (globally, or in `guildId`).
 * @param stampFile where the hash of the last registration is kept (created, with its directory); none: always wait
 * @returns `'registered'` when it waited for Discord, `'unchanged'` when the stamp matched
 * @throws the REST error when a changed definition cannot be registered
 */
export async function registerCommands(
  app: ClientApplication, body: ApplicationCommandDataResolvable[], guildId: string | undefined, stampFile: string | undefined, log: Logger,
): Promise<'registered' | 'unchanged'> {
  const put = () => (guildId ? app.commands.set(body, guildId) : app.commands.set(body));
  const hash = createHash('sha256').update(JSON.stringify({ app: app.id, guildId: guildId ?? null, body })).digest('hex');
  const stamp = (() => { try { return stampFile ? fs.readFileSync(stampFile, 'utf8').trim() : null; } catch { return null; } })();
  if (stamp === hash) {
    void put().catch((err) => log.warn({ err }, 'could not re-register /claude (it stays as registered before)'));
    return 'unchanged';
  }
  await put();
  if (!stampFile) return 'registered';
  try {
    fs.mkdirSync(path.dirname(stampFile), { recursive: true });
    fs.writeFileSync(stampFile, `${hash}\n`);
  } catch (err) {
    log.warn({ err, stampFile }, 'could not note the registered commands; the next start registers them again');
  }
  return 'registered';
}
