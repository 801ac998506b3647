/**
 * The benchmarks' rig: the Anthropic stub (answering at once), the fake Discord with one allowed user,
 * a throwaway Claude config home and work directory, a private tmux socket, and the bot started as
 * `npm start` runs it (compiled dist/, real tmux, SQLite and `claude`).
 */
import os from 'node:os';
import path from 'node:path';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { startAnthropicStub } from '../../test/fakes/anthropic-stub.js';
import { FakeDiscord } from '../../test/fakes/discord/server.js';
import { startBotProcess, type BotProcess } from '../../test/helpers/bot-process.js';
import { makeClaudeTestEnv } from '../../test/helpers/claude-env.js';

export async function benchRig(name: string) {
  const socket = `cdb-bench-${name}-${process.pid}`;
  const stub = await startAnthropicStub();
  const discord = await FakeDiscord.start({ token: 'bench-token' });
  const user = discord.addUser('bench');
  const cenv = makeClaudeTestEnv(stub.url);
  const env = {
    ...cenv.env, DISCORD_TOKEN: discord.token, DISCORD_API_URL: discord.apiUrl, DISCORD_GUILD_ID: discord.guildId,
    ALLOWED_USER_IDS: user.id, CLAUDE_WORKDIR: cenv.workDir, DATABASE_PATH: path.join(cenv.workDir, '..', 'db.sqlite'),
    RUN_DIR: path.join(cenv.workDir, '..', 'run'), TMUX_SOCKET: socket, SESSION_BACKEND: 'tmux', LOG_LEVEL: 'warn',
  };
  let bot: BotProcess | null = null;
  return {
    stub, discord, user, cenv, env, socket,
    get bot() { return bot!; },
    /** (Re)starts the bot with `extra` env; resolves once /claude is registered again. */
    async start(extra: Record<string, string>): Promise<BotProcess> {
      await bot?.stop();
      const registered = discord.calls.filter((c) => c.method === 'PUT' && c.path.includes('/commands')).length;
      bot = startBotProcess({ ...env, ...extra });
      await discord.waitFor(() => discord.calls.filter((c) => c.method === 'PUT' && c.path.includes('/commands')).length > registered, 30_000, '/claude registration');
      return bot;
    },
    /** Runs `claude-bridge <args>` against this bot (its control socket); resolves with stdout. */
    async cli(...args: string[]): Promise<string> {
      const entry = path.resolve(import.meta.dirname, '../../bin/claude-bridge.js');
      return (await promisify(execFile)(process.execPath, [entry, ...args], { env, encoding: 'utf8' })).stdout;
    },
    /** The stored sessions' ids, oldest first. */
    sessionIds(): string[] {
      const db = new Database(env.DATABASE_PATH, { readonly: true });
      try { return (db.prepare('SELECT id FROM sessions ORDER BY created_at').all() as Array<{ id: string }>).map((r) => r.id); } finally { db.close(); }
    },
    /** Live bridge processes in tmux (sessions and spares). */
    tmuxSessions(): string[] {
      try {
        return execFileSync('tmux', ['-L', socket, 'list-sessions', '-F', '#{session_name}'], { encoding: 'utf8' })
          .split('\n').filter((s) => s.startsWith('cdb-') && s !== 'cdb-keeper');
      } catch { return []; }
    },
    async close(): Promise<void> {
      await bot?.stop();
      await discord.close();
      await stub.close();
      try { execFileSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' }); } catch { /* gone */ }
    },
  };
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
export const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))]!;
export const machine = () => `${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? '?'}, node ${process.version}, load ${os.loadavg()[0]!.toFixed(1)}`;
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
