/**
 * `claude-bridge doctor`: checks everything the bot needs, prints a table, and gives the fix for each
 * failure in one line. Exit status: non-zero when any check fails (warnings do not count).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/load.js';
import { createLogger } from '../core/logger.js';
import { resolveClaudeBinary } from '../claude/binary.js';
import { claudeConfigDir } from '../claude/slug.js';
import { execFileAsync, type Exec } from '../backends/exec.js';
import { selectBackend } from '../backends/select.js';
import { TmuxBackend } from '../backends/tmux.js';
import { inviteUrl } from '../discord/invite.js';
import { HUB_MIGRATIONS } from '../store/hub-migrations.js';
import { MIGRATIONS, type Migration } from '../store/migrations.js';
import { checkNats, natsRole } from './doctor-nats.js';
import { checkClaudeLogin, checkMcpConfig, checkNativeModules, checkNode, checkWritableDir, tryClaude, type Check, type RunProgram } from './doctor-checks.js';

export type { Check } from './doctor-checks.js';

export interface DoctorDeps {
  exec?: Exec;
  fetch?: typeof fetch;
  env?: NodeJS.ProcessEnv;
  /** Runs `claude auth status` and the trial prompt (tests inject one). */
  run?: RunProgram;
  /** Opt-in: send one real prompt through Claude Code (spends a few tokens). */
  tryClaude?: boolean;
}

/** A bot token: three base64url segments (user id, timestamp, HMAC). */
const TOKEN_SHAPE = /^[\w-]{17,}\.[\w-]{4,}\.[\w-]{20,}$/;

/**
 * Runs every check in order and returns them; nothing is printed. Creates a missing directory the bot
 * needs (as start-up would) and says so; writes nothing else except a probe file it removes.
 */
export async function runDoctor(config: Config, deps: DoctorDeps = {}): Promise<Check[]> {
  const exec = deps.exec ?? execFileAsync;
  const env = deps.env ?? process.env;
  const checks: Check[] = [];
  const add = (c: Check) => checks.push(c);
  add(checkNode());

  const role = config.NATS_URL ? natsRole(config) : null;
  if (role?.kind === 'runner') {
    add({ name: 'Discord', status: 'ok', detail: `not used by runner ${role.name}: the hub alone holds the token` });
  } else {
    for (const c of await checkDiscord(config, deps.fetch ?? fetch)) add(c);
  }
  for (const c of await checkNats(config)) add(c);
  if (role?.kind === 'hub') {
    // A hub runs no claude, tmux or sessions (its runners do): what it needs here is its store.
    add({ name: 'session side', status: 'ok', detail: 'on the runners: DISCORD_TOKEN and NATS_URL are set, so this is checked as a hub (claude-bridge hub)' });
    const sqlite = (await checkNativeModules(path.resolve(config.RUN_DIR))).filter((c) => c.name === 'better-sqlite3');
    for (const c of sqlite) add(c);
    const file = env.DATABASE_PATH ? config.DATABASE_PATH : 'data/hub.db'; // as startHub (src/hub-main.ts) picks it
    add(checkWritableDir('data directory', path.dirname(path.resolve(file)), 'Set DATABASE_PATH to a file in a directory the hub\'s user can write'));
    if (sqlite[0]!.status === 'ok') add(await checkDatabase(file, HUB_MIGRATIONS, true, 'Start the hub: it migrates its store'));
    return checks;
  }

  const tmux = await exec('tmux', ['-V']).then((r) => r.stdout.trim(), () => null);
  add(tmux
    ? { name: 'tmux', status: 'ok', detail: tmux }
    : { name: 'tmux', status: config.SESSION_BACKEND === 'tmux' ? 'fail' : 'warn', detail: 'not installed: sessions end when the bot stops', fix: 'Install tmux (apt install tmux) so sessions survive restarts' });

  const git = await exec('git', ['--version']).then((r) => r.stdout.trim(), () => null);
  add(git ? { name: 'git', status: 'ok', detail: `${git} (sessions in worktrees)` }
    : { name: 'git', status: 'warn', detail: 'not installed: `/claude ask worktree:true` cannot work', fix: 'Install git (apt install git)' });
  if (config.TRIGGER_PORT !== undefined) {
    const loopback = /^(127\.|::1$|localhost$)/.test(config.TRIGGER_HOST);
    add(loopback ? { name: 'trigger listener', status: 'ok', detail: `POST http://${config.TRIGGER_HOST}:${config.TRIGGER_PORT}/triggers/<name> (this host only)` }
      : { name: 'trigger listener', status: 'warn', detail: `bound to ${config.TRIGGER_HOST}:${config.TRIGGER_PORT}: other machines reach it over plain HTTP`, fix: 'Put a reverse proxy with TLS in front, or set TRIGGER_HOST=127.0.0.1' });
  }

  const runDir = path.resolve(config.RUN_DIR);
  const natives = await checkNativeModules(runDir);
  for (const c of natives) add(c);

  let bin: string | null = null;
  try {
    const resolved = resolveClaudeBinary(config.CLAUDE_BIN, env);
    const version = await exec(resolved.path, ['--version']).then((r) => r.stdout.trim(), (e: Error) => `does not run: ${e.message}`);
    if (!version.startsWith('does not run')) bin = resolved.path;
    add({ name: 'claude binary', status: bin ? 'ok' : 'fail', detail: `${resolved.path} (${resolved.source}) ${version}`, fix: 'Set CLAUDE_BIN to a working claude, or npm install' });
  } catch (err) {
    add({ name: 'claude binary', status: 'fail', detail: (err as Error).message, fix: 'npm install (bundles it), put claude on PATH, or set CLAUDE_BIN' });
  }
  const configDir = claudeConfigDir(env);
  add(await checkClaudeLogin(bin, configDir, env, deps.run));
  if (deps.tryClaude && bin) add(await tryClaude(bin, path.resolve(config.CLAUDE_WORKDIR), env, deps.run));

  const dirs: [string, string, string][] = [
    ['Claude config dir', configDir, 'Make it writable by the bot\'s user, or set CLAUDE_CONFIG_DIR to a writable directory'],
    ['working directory', config.CLAUDE_WORKDIR, 'Set CLAUDE_WORKDIR to a directory the bot\'s user can write'],
    ['run directory', runDir, 'Set RUN_DIR to a directory the bot\'s user can write'],
  ];
  if (config.ENABLE_PERSISTENCE) dirs.push(['data directory', path.dirname(path.resolve(config.DATABASE_PATH)), 'Set DATABASE_PATH to a file in a directory the bot\'s user can write']);
  for (const [name, dir, fix] of dirs) add(checkWritableDir(name, dir, fix));

  if (config.WORKSPACE_ROOT) add(checkWorkspace(config.WORKSPACE_ROOT, config.CLAUDE_WORKDIR));
  if (config.MCP_CONFIG) add(checkMcpConfig(config.MCP_CONFIG));
  if (natives[0]!.status === 'ok') add(await checkDatabase(config.DATABASE_PATH, MIGRATIONS, config.ENABLE_PERSISTENCE));

  try {
    const tmuxBackend = new TmuxBackend({ socket: config.TMUX_SOCKET, runDir });
    if (natives[1]!.status === 'fail') throw new Error('node-pty does not load, and the bot needs it to start');
    const { PtyBackend } = await import('../backends/pty.js');
    const { backend, why } = await selectBackend(config.SESSION_BACKEND, { tmux: tmuxBackend, pty: new PtyBackend({ runDir }) }, createLogger('silent'));
    add({ name: 'session backend', status: 'ok', detail: `${backend.kind} (${why})` });
  } catch (err) {
    add({ name: 'session backend', status: 'fail', detail: (err as Error).message, fix: 'Install tmux, or rebuild node-pty' });
  }
  return checks;
}

/** The Discord token (shape, accepted by the API) and the application's settings. */
async function checkDiscord(config: Config, fetcher: typeof fetch): Promise<Check[]> {
  const checks: Check[] = [];
  const add = (c: Check) => checks.push(c);
  const token = config.DISCORD_TOKEN;
  if (!token) add({ name: 'Discord token', status: 'fail', detail: 'DISCORD_TOKEN is not set', fix: 'Developer portal → your app → Bot → Reset Token; put it in .env as DISCORD_TOKEN=…' });
  else if (!TOKEN_SHAPE.test(token)) add({ name: 'Discord token', status: 'fail', detail: 'not shaped like a bot token', fix: 'Copy the token again from Bot → Reset Token (not the client secret or the public key)' });
  else add({ name: 'Discord token', status: 'ok', detail: 'set and well-formed' });

  try {
    const res = await fetcher(`${config.DISCORD_API_URL}/v10/gateway/bot`, {
      headers: token ? { authorization: `Bot ${token}` } : {}, signal: AbortSignal.timeout(5000),
    });
    if (res.ok) add({ name: 'Discord API', status: 'ok', detail: `${config.DISCORD_API_URL} answers; token accepted` });
    else if (res.status === 401) add({ name: 'Discord API', status: 'fail', detail: 'reachable, but the token was rejected (401)', fix: 'Reset the bot token and update DISCORD_TOKEN' });
    else add({ name: 'Discord API', status: 'fail', detail: `HTTP ${res.status} from ${config.DISCORD_API_URL}`, fix: 'Check DISCORD_API_URL (default https://discord.com/api)' });
  } catch (err) {
    const cause = (err as Error).cause as NodeJS.ErrnoException | undefined;
    const reason = cause?.code ?? cause?.message ?? (err as Error).message;
    add({ name: 'Discord API', status: 'fail', detail: `unreachable at ${config.DISCORD_API_URL} (${reason})`, fix: 'Check the network, a proxy (HTTPS_PROXY), or DISCORD_API_URL' });
  }

  if (token) for (const c of await checkApplication(config, token, fetcher)) add(c);

  return checks;
}

/** Discord application flags GATEWAY_MESSAGE_CONTENT (1 << 18) and its _LIMITED twin (1 << 19): API docs, "Application". */
const MESSAGE_CONTENT_FLAGS = (1 << 18) | (1 << 19);

/**
 * From the application (`/applications/@me`): the invite link with the permissions the bot needs, and
 * with THREADS whether the Message Content intent (privileged) is on.
 */
async function checkApplication(config: Config, token: string, fetcher: typeof fetch): Promise<Check[]> {
  const name = 'Message Content intent';
  const fix = 'Developer portal → your app → Bot → Privileged Gateway Intents → Message Content Intent (or THREADS=false)';
  let app: { id?: string; flags?: number };
  try {
    const res = await fetcher(`${config.DISCORD_API_URL}/v10/applications/@me`, { headers: { authorization: `Bot ${token}` }, signal: AbortSignal.timeout(5000) });
    if (!res.ok) return config.THREADS ? [{ name, status: 'warn', detail: `could not read the application (HTTP ${res.status})`, fix }] : [];
    app = (await res.json()) as { id?: string; flags?: number };
  } catch (err) {
    return config.THREADS ? [{ name, status: 'warn', detail: `could not check: ${(err as Error).message}`, fix }] : [];
  }
  const checks: Check[] = [];
  if (config.THREADS) {
    checks.push(((app.flags ?? 0) & MESSAGE_CONTENT_FLAGS) !== 0
      ? { name, status: 'ok', detail: 'enabled: plain messages in session threads reach Claude' }
      : { name, status: 'warn', detail: 'not enabled: plain messages in threads are ignored (slash commands work)', fix });
  }
  if (app.id) checks.push({ name: 'invite link', status: 'ok', detail: inviteUrl(app.id) });
  return checks;
}

/** WORKSPACE_ROOT exists and holds CLAUDE_WORKDIR, symlinks resolved. */
function checkWorkspace(root: string, workdir: string): Check {
  const name = 'workspace root';
  try {
    const realRoot = fs.realpathSync(root);
    const real = fs.realpathSync(workdir);
    const rel = path.relative(realRoot, real);
    if (rel.startsWith('..') || path.isAbsolute(rel)) {
      return { name, status: 'fail', detail: `CLAUDE_WORKDIR (${real}) is outside ${realRoot}`, fix: 'Set CLAUDE_WORKDIR to a directory inside WORKSPACE_ROOT' };
    }
    return { name, status: 'ok', detail: `${realRoot} holds CLAUDE_WORKDIR` };
  } catch (err) {
    return { name, status: 'fail', detail: (err as Error).message, fix: 'Set WORKSPACE_ROOT to an existing directory' };
  }
}

/** The SQLite file at `file`: integrity, and its schema at the newest of `migrations` (the bot's, or the hub's). */
async function checkDatabase(file: string, migrations: readonly Migration[], persistent: boolean, migrateFix = 'Run claude-bridge db migrate (or start the bot: it migrates)'): Promise<Check> {
  const name = 'database';
  if (!persistent) return { name, status: 'warn', detail: 'ENABLE_PERSISTENCE=false: in memory, nothing survives a restart' };
  if (!fs.existsSync(file)) return { name, status: 'ok', detail: `${file}: none yet; the bot creates it at start (its directory is checked above)` };
  try {
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      const integrity = db.pragma('integrity_check', { simple: true });
      const version = db.pragma('user_version', { simple: true }) as number;
      const latest = migrations.at(-1)!.version;
      if (integrity !== 'ok') return { name, status: 'fail', detail: `integrity_check: ${String(integrity)}`, fix: 'Restore a backup (claude-bridge db backup makes one)' };
      if (version < latest) return { name, status: 'fail', detail: `schema version ${version}, current is ${latest}`, fix: migrateFix };
      return { name, status: 'ok', detail: `${file}: integrity ok, schema version ${version}` };
    } finally {
      db.close();
    }
  } catch (err) {
    return { name, status: 'fail', detail: (err as Error).message, fix: 'Check DATABASE_PATH and its permissions' };
  }
}

/** The checks as an aligned table, then the fixes (one line each). */
export function formatChecks(checks: readonly Check[]): string {
  const icon = { ok: '✅', warn: '⚠️ ', fail: '❌' } as const;
  const width = Math.max(...checks.map((c) => c.name.length));
  const rows = checks.map((c) => `${icon[c.status]} ${c.name.padEnd(width)}  ${c.detail}`);
  const fixes = checks.filter((c) => c.status !== 'ok' && c.fix).map((c) => `  ${c.name}: ${c.fix}`);
  return [...rows, ...(fixes.length > 0 ? ['', 'To fix:', ...fixes] : [])].join('\n');
}
