/**
 * The benchmarks' rig: the Anthropic stub (answering at once), the fake Discord with one allowed user,
 * a throwaway Claude config home and work directory, a private tmux socket, and the bot started as
 * `npm start` runs it (compiled dist/, real tmux, SQLite and `claude`).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { startAnthropicStub } from '../../test/fakes/anthropic-stub.js';
import { FakeDiscord, type Interaction, type RestCall } from '../../test/fakes/discord/server.js';
import { startBotProcess, type BotProcess } from '../../test/helpers/bot-process.js';
import { makeClaudeTestEnv } from '../../test/helpers/claude-env.js';

/** `stubUrl`: an Anthropic stub already running (shared with another rig); else one of its own, answering at once. */
export async function benchRig(name: string, o: { stubUrl?: string } = {}) {
  const socket = `cdb-bench-${name}-${process.pid}`;
  const stub = o.stubUrl ? { url: o.stubUrl, close: async () => undefined } : await startAnthropicStub();
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

/** Milliseconds per clock tick of /proc/<pid>/stat's utime and stime (`getconf CLK_TCK`, 100 on Linux: 10 ms). */
const TICK_MS = 1000 / Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
/** CPU time a process used so far (utime + stime of /proc/<pid>/stat), ms, in clock ticks of 10 ms; 0 once it is gone. */
export function cpuMs(pid: number): number {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * TICK_MS;
  } catch {
    return 0;
  }
}
/** A process's resident memory (VmRSS of /proc/<pid>/status), MiB. */
export const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
/** The 1-, 5- and 15-minute load averages, as `uptime` prints them. */
export const loadavg = () => os.loadavg().map((l) => l.toFixed(2)).join(', ');

/**
 * The final edit of an interaction's answer: a successful PATCH of its reply — through the
 * interaction's webhook (the all-in-one bridge) or the channel's message route (the hub edits the
 * deferred reply it was given) — that contains `text` and no Stop button any more.
 */
export function finalEdit(discord: FakeDiscord, i: Interaction, text: string): RestCall | undefined {
  const reply = discord.responsesTo(i)[0];
  return discord.calls.find((c) => c.method === 'PATCH' && c.status === 200
    && (c.path.includes(i.token) || (reply !== undefined && c.path.endsWith(`/messages/${reply.id}`)))
    && String(c.body?.content ?? '').includes(text) && !JSON.stringify(c.body?.components ?? []).includes('cdb:stop:'));
}
