/** Registers /claude with Discord (same as `claude-bridge deploy-commands`); DISCORD_GUILD_ID picks a guild. */
import { missingTokenHelp } from '../src/cli/setup-help.js';
import { loadConfig } from '../src/config/load.js';
import { deployCommands } from '../src/discord/deploy.js';

const config = loadConfig();
if (!config.DISCORD_TOKEN) {
  process.stderr.write(`${missingTokenHelp(config.THREADS)}\n`);
  process.exit(2);
}
const r = await deployCommands({ token: config.DISCORD_TOKEN, apiUrl: config.DISCORD_API_URL, guildId: config.DISCORD_GUILD_ID });
process.stdout.write(`/claude registered for application ${r.applicationId} (${r.scope})\n`);
