/**
 * The start-up help: what `npm start` / `claude-bridge start` prints when DISCORD_TOKEN is missing.
 * Every permission, scope and intent it names comes from src/discord/invite.ts, the same list the
 * invite link is computed from, so the help cannot drift from what the bot does.
 */
import { BOT_PERMISSIONS, BOT_SCOPES, botPermissionsInteger, inviteUrl, requiredIntents } from '../discord/invite.js';

/** The help text for a first run without a token; `threads` is the THREADS setting (default true). */
export function missingTokenHelp(threads: boolean): string {
  const privileged = requiredIntents(threads).filter((i) => i.privileged);
  return [
    'DISCORD_TOKEN is not set, so the bot cannot log in to Discord.',
    '',
    'To get one:',
    '  1. Open https://discord.com/developers/applications and create (or pick) an application.',
    '  2. Bot → Reset Token → copy it. Put it in .env in this folder:  DISCORD_TOKEN=<token>',
    ...(privileged.length > 0
      ? [`  3. Bot → Privileged Gateway Intents → turn on ${privileged.map((i) => `"${i.name} Intent"`).join(', ')},`,
        `     ${privileged.map((i) => i.why).join('; ')}; or set THREADS=false.`]
      : ['  3. No privileged intent is needed with THREADS=false.']),
    `  4. Invite the bot: OAuth2 → URL Generator → scopes ${BOT_SCOPES.map((s) => `"${s}"`).join(' and ')}, permissions`,
    `     ${BOT_PERMISSIONS.slice(0, 4).map((p) => `"${p.name}"`).join(', ')},`,
    `     ${BOT_PERMISSIONS.slice(4).map((p) => `"${p.name}"`).join(', ')}`,
    `     (permissions integer ${botPermissionsInteger()}), or open this link with your Application ID`,
    '     (General Information) in place of APPLICATION_ID, and pick your server:',
    `     ${inviteUrl('APPLICATION_ID')}`,
    '',
    'Also set who may use it (comma-separated Discord ids; Developer Mode → right-click → Copy ID):',
    '  ALLOWED_USER_IDS=<your user id>   and/or   ALLOWED_ROLE_IDS=<role id>',
    'Optional: DISCORD_GUILD_ID=<server id> registers /claude in that server at once.',
    'Claude Code must be logged in: `npm run login` (or `npx claude-bridge login`), or set ANTHROPIC_API_KEY.',
    'Then `npx claude-bridge doctor` checks all of it.',
  ].join('\n');
}
