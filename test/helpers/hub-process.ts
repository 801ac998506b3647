/**
 * `claude-bridge hub` as its own process for the several-machines suites (issue 12): the fake
 * Discord's settings, the hub's NATS user (`hub` / `pw-hub`, confined by `hubPermissions()` in the
 * suites' nats-server), its own store and run dir under `dir`. Resolves once it logged "hub ready"
 * and — when `registered` is given — Discord has one more successful `/claude` registration than that.
 */
import path from 'node:path';
import type { FakeDiscord, FakeUser } from '../fakes/discord/server.js';
import { startBotProcess, type BotProcess } from './bot-process.js';

/** Successful `/claude` registrations the fake Discord has seen so far. */
export const registrations = (discord: FakeDiscord) =>
  discord.calls.filter((c) => c.method === 'PUT' && c.path.includes('/commands') && c.status === 200).length;

export async function startHubProcess(o: {
  discord: FakeDiscord; natsUrl: string; dir: string; allowed: FakeUser[]; admin: FakeUser;
  waitFor: (probe: () => boolean, what: string) => Promise<unknown>;
}): Promise<BotProcess> {
  const before = registrations(o.discord);
  const hub = startBotProcess({
    PATH: process.env.PATH ?? '', HOME: o.dir,
    DISCORD_TOKEN: o.discord.token, DISCORD_API_URL: o.discord.apiUrl, DISCORD_GUILD_ID: o.discord.guildId,
    ALLOWED_USER_IDS: o.allowed.map((u) => u.id).join(','), ADMIN_USER_IDS: o.admin.id,
    NATS_URL: o.natsUrl, NATS_USER: 'hub', NATS_PASSWORD: 'pw-hub',
    DATABASE_PATH: path.join(o.dir, 'hub.db'), RUN_DIR: path.join(o.dir, 'run'), LOG_LEVEL: 'debug', THREADS: 'true',
  }, ['hub']);
  await o.waitFor(() => {
    if (hub.proc.exitCode !== null) throw new Error(`hub exited:\n${hub.output()}`);
    return registrations(o.discord) > before && hub.output().includes('hub ready');
  }, 'the hub ready');
  return hub;
}
