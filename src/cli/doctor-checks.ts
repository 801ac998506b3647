/**
 * Doctor checks of this host, each tried for real rather than inferred: a directory is writable when
 * a file could be created and removed in it; Claude Code is logged in when the CLI itself says so
 * (`claude auth status --json`, offline); the native modules load when they are loaded.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { BridgeError } from '../core/errors.js';
import { claudeEnvironment } from '../claude-env.js';

export interface Check {
  name: string;
  status: 'ok' | 'warn' | 'fail';
  detail: string;
  fix?: string;
}

/** Runs a program (argv only) with an environment; resolves with its output and exit code, never rejects on a non-zero exit. */
export type RunProgram = (file: string, args: readonly string[], o: { env: NodeJS.ProcessEnv; timeoutMs: number; cwd?: string }) =>
  Promise<{ code: number | null; stdout: string; stderr: string }>;

/** {@link RunProgram} on `child_process.execFile`. */
export const runProgram: RunProgram = (file, args, o) => new Promise((resolve, reject) => {
  execFile(file, args, { encoding: 'utf8', timeout: o.timeoutMs, env: o.env, cwd: o.cwd, maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
    if (err && typeof err.code !== 'number') reject(err); // could not run at all (ENOENT, EACCES, timeout)
    else resolve({ code: err ? Number(err.code) : 0, stdout, stderr });
  });
});

/** The Debian/Ubuntu line that installs what the native modules (better-sqlite3, node-pty) build with. */
export const BUILD_TOOLS_APT = 'sudo apt-get install -y make g++ python3';

/** The oldest Node.js major the bridge supports (package.json `engines`; Node 20 is past end of life). */
export const MIN_NODE_MAJOR = 22;

/** Node.js itself: `warn` below {@link MIN_NODE_MAJOR} (it may still run, untested), with how to get a current one. */
export function checkNode(version: string = process.versions.node): Check {
  const major = Number(version.split('.')[0]);
  if (major >= MIN_NODE_MAJOR) return { name: 'Node.js', status: 'ok', detail: `v${version}` };
  return {
    name: 'Node.js', status: 'warn', detail: `v${version}: the bridge is tested on Node ${MIN_NODE_MAJOR} and 24 (Node ${major} is past end of life)`,
    fix: `install Node.js ${MIN_NODE_MAJOR} or 24 (your package manager, nvm, or nodejs.org), then \`npm rebuild\` the native modules`,
  };
}

/** The environment the `claude` processes get: the bot's own minus its secrets ({@link claudeEnvironment}). */
export function claudeEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return claudeEnvironment(env);
}

/**
 * Whether a file can be created and removed in `dir`; a missing directory is created first (as the
 * bot would at start) and the detail says so.
 */
export function checkWritableDir(name: string, dir: string, fix: string): Check {
  const abs = path.resolve(dir);
  let created = false;
  try {
    if (!fs.existsSync(abs)) {
      fs.mkdirSync(abs, { recursive: true });
      created = true;
    }
    const probe = path.join(abs, `.cdb-doctor-${process.pid}-${randomBytes(4).toString('hex')}`);
    fs.writeFileSync(probe, '', { flag: 'wx' });
    fs.rmSync(probe);
    return { name, status: 'ok', detail: `${abs}: ${created ? 'did not exist, created it; ' : ''}a file was created and removed` };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    const what = created ? 'created, but a file cannot be written in it' : fs.existsSync(abs) ? 'a file cannot be created in it' : 'it cannot be created';
    return { name, status: 'fail', detail: `${abs}: ${what} (${code})`, fix };
  }
}

/** How to log Claude Code in with the CLI this install uses. */
export const LOGIN_FIX = 'Run `npm run login` (or `npx claude-bridge login`: the bundled claude\'s `auth login`), or set ANTHROPIC_API_KEY for the bot';

/** Where Claude Code's credentials can come from without a login: the environment. */
const ENV_CREDENTIALS = ['ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN', 'CLAUDE_CODE_OAUTH_TOKEN'] as const;
const THIRD_PARTY = ['CLAUDE_CODE_USE_BEDROCK', 'CLAUDE_CODE_USE_VERTEX', 'CLAUDE_CODE_USE_FOUNDRY'] as const;

/** Credentials present without asking the CLI: a variable, or `<config dir>/.credentials.json` (Linux, Windows). */
export function credentialsPresent(configDir: string, env: NodeJS.ProcessEnv): string | null {
  const variable = [...ENV_CREDENTIALS, ...THIRD_PARTY].find((k) => env[k]);
  if (variable) return `${variable} is set`;
  const file = path.join(configDir, '.credentials.json');
  try {
    const json = JSON.parse(fs.readFileSync(file, 'utf8')) as { claudeAiOauth?: unknown };
    if (json.claudeAiOauth) return `${file} holds a login`;
  } catch {
    // absent or unreadable: not logged in this way
  }
  return null;
}

/**
 * Claude Code's login: `claude auth status --json` (offline) when the binary answers it, else the
 * presence of credentials ({@link credentialsPresent}).
 */
export async function checkClaudeLogin(bin: string | null, configDir: string, env: NodeJS.ProcessEnv, run: RunProgram = runProgram): Promise<Check> {
  const name = 'Claude Code login';
  if (bin) {
    try {
      const r = await run(bin, ['auth', 'status', '--json'], { env: claudeEnv(env), timeoutMs: 20_000 });
      const s = JSON.parse(r.stdout) as { loggedIn?: boolean; authMethod?: string; apiProvider?: string; apiKeySource?: string };
      if (typeof s.loggedIn === 'boolean') {
        if (!s.loggedIn) return { name, status: 'fail', detail: `not logged in (claude auth status; config dir ${configDir})`, fix: LOGIN_FIX };
        const how = [s.authMethod, s.apiKeySource, s.apiProvider && s.apiProvider !== 'firstParty' ? s.apiProvider : undefined].filter(Boolean).join(', ');
        return { name, status: 'ok', detail: `logged in (${how})` };
      }
    } catch {
      // an older claude without `auth status`, or it did not run: fall back to what is on disk
    }
  }
  const found = credentialsPresent(configDir, env);
  return found
    ? { name, status: 'ok', detail: found }
    : { name, status: 'fail', detail: `no credentials: no ${path.join(configDir, '.credentials.json')}, no ANTHROPIC_API_KEY`, fix: LOGIN_FIX };
}

/**
 * Opt-in (`doctor --try-claude`): one real prompt through `claude -p`, which spends a few tokens.
 * Proves the login, the network path to the API and the model answer.
 */
export async function tryClaude(bin: string, cwd: string, env: NodeJS.ProcessEnv, run: RunProgram = runProgram): Promise<Check> {
  const name = 'Claude Code answers';
  try {
    const r = await run(bin, ['-p', 'Reply with the single word OK.', '--output-format', 'json', '--max-turns', '1'], { env: claudeEnv(env), cwd, timeoutMs: 120_000 });
    const out = JSON.parse(r.stdout) as { is_error?: boolean; result?: string };
    if (!out.is_error) return { name, status: 'ok', detail: `a trial prompt was answered: ${String(out.result ?? '').slice(0, 60)}` };
    return { name, status: 'fail', detail: `Claude Code reported: ${String(out.result ?? 'an error').slice(0, 200)}`, fix: LOGIN_FIX };
  } catch (err) {
    return { name, status: 'fail', detail: `the trial prompt failed: ${(err as Error).message.split('\n')[0]!.slice(0, 200)}`, fix: LOGIN_FIX };
  }
}

/** Whether a native module loads and works: better-sqlite3 opens a database, node-pty runs a child. */
export async function checkNativeModules(runDir: string): Promise<Check[]> {
  const fix = (m: string) => `${BUILD_TOOLS_APT} && npm rebuild ${m}`;
  const checks: Check[] = [];
  try {
    const { default: Database } = await import('better-sqlite3');
    new Database(':memory:').close();
    checks.push({ name: 'better-sqlite3', status: 'ok', detail: 'loads and opens a database' });
  } catch (err) {
    checks.push({ name: 'better-sqlite3', status: 'fail', detail: `does not load: ${firstLine(err)}`, fix: fix('better-sqlite3') });
  }
  try {
    const { PtyBackend } = await import('../backends/pty.js');
    const problem = await new PtyBackend({ runDir }).probe();
    checks.push(problem === null
      ? { name: 'node-pty', status: 'ok', detail: 'loads and runs a child' }
      : { name: 'node-pty', status: 'warn', detail: problem, fix: fix('node-pty') });
  } catch (err) {
    checks.push({ name: 'node-pty', status: 'fail', detail: `does not load: ${firstLine(err)}`, fix: fix('node-pty') });
  }
  return checks;
}

/** Module names as they show in a failed load's message or stack (package dir, or the .node file). */
const NATIVE_MODULES = [
  { module: 'better-sqlite3', marks: ['better-sqlite3', 'better_sqlite3'] },
  { module: 'node-pty', marks: ['node-pty', 'pty.node'] },
] as const;

/**
 * A start-up failure that is a native module not loading (never built: no build tools at `npm
 * install`; or built for another Node.js) as a BridgeError with the apt line; null for anything else.
 */
export function nativeLoadFailure(err: unknown): BridgeError | null {
  if (!(err instanceof Error)) return null;
  const text = `${err.message}\n${err.stack ?? ''}`;
  const code = (err as NodeJS.ErrnoException).code;
  const loadFailed = code === 'ERR_DLOPEN_FAILED' || code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND'
    || /Could not locate the bindings file|NODE_MODULE_VERSION|Cannot find module|invalid ELF header/.test(text);
  const hit = loadFailed ? NATIVE_MODULES.find((m) => m.marks.some((mark) => text.includes(mark))) : undefined;
  if (!hit) return null;
  const reason = /NODE_MODULE_VERSION/.test(text) ? 'built for another Node.js version' : /bindings file|Cannot find module/.test(text) ? 'it was never built' : firstLine(err);
  return new BridgeError('NATIVE_MODULE_FAILED', { module: hit.module, reason }, { cause: err });
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 200);
}

/**
 * `MCP_CONFIG`: a readable JSON file with an `mcpServers` object (the shape `claude --mcp-config`
 * takes; Claude Code docs, "MCP"). `fail` otherwise: every session's Claude Code would refuse it.
 */
export function checkMcpConfig(file: string): Check {
  const name = 'MCP_CONFIG';
  let servers: unknown;
  try {
    servers = (JSON.parse(fs.readFileSync(path.resolve(file), 'utf8')) as { mcpServers?: unknown }).mcpServers;
  } catch (err) {
    return { name, status: 'fail', detail: `${file} cannot be read as JSON (${(err as Error).message.slice(0, 120)})`, fix: 'Point MCP_CONFIG at a JSON file like {"mcpServers": {"name": {"command": "…", "args": []}}}' };
  }
  if (typeof servers !== 'object' || servers === null || Array.isArray(servers)) {
    return { name, status: 'fail', detail: `${file} has no "mcpServers" object`, fix: 'Put the servers under "mcpServers": {"name": {"command": "…", "args": []}}' };
  }
  const names = Object.keys(servers);
  return { name, status: 'ok', detail: `${names.length} server${names.length === 1 ? '' : 's'} for every session${names.length ? `: ${names.join(', ').slice(0, 200)}` : ''}` };
}
