/**
 * Restore benchmark: 1,000 stored sessions, of which 10 have a live process in tmux. Measures the
 * bot (as `npm start` runs it) from process start to "sessions restored" and to ready (logged in to
 * the fake Discord, /claude registered), and its RSS once ready. The live processes are `cat` on the
 * session FIFO: restore reattaches to panes and files, it never talks to Claude.
 *
 *   npx tsx scripts/bench/restore.ts [sessions=1000] [live=10]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { makeBridgeSessionId, makeClaudeSessionId, parseSnowflake } from '../../src/core/ids.js';
import { TmuxBackend } from '../../src/backends/tmux.js';
import { openDatabase } from '../../src/store/db.js';
import { SqliteSessionStore } from '../../src/store/sessions-repo.js';
import { FakeDiscord } from '../../test/fakes/discord/server.js';
import { startBotProcess } from '../../test/helpers/bot-process.js';

const total = Number(process.argv[2] ?? 1000);
const live = Number(process.argv[3] ?? 10);
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cdb-bench-restore-'));
const dbPath = path.join(root, 'sessions.db');
const runDir = path.join(root, 'run');
const socket = `cdb-bench-r${process.pid}`;

const store = new SqliteSessionStore(openDatabase(dbPath));
const tmux = new TmuxBackend({ socket, runDir });
const t = Date.now();
for (let i = 0; i < total; i++) {
  const id = makeBridgeSessionId();
  const isLive = i < live;
  if (isLive) await tmux.start({ name: id, command: '/bin/cat', args: [], cwd: root, env: { PATH: process.env.PATH ?? '' } });
  store.insert({
    id, ownerId: parseSnowflake(String(100000000000000000n + BigInt(i % 50))), guildId: null,
    channelId: parseSnowflake('200000000000000000'), cwd: root, claudeSessionId: makeClaudeSessionId(), parentSessionId: null, forkFrom: null, forkAt: null, alwaysAllow: '[]',
    model: null, permissionMode: null, state: isLive ? 'idle' : 'suspended', backend: isLive ? 'tmux' : null, outputOffset: 0,
    createdAt: t - i, updatedAt: t - i, lastActivityAt: t - i, messageCount: 3, turnCount: 3, inputTokens: 100, outputTokens: 50, costUsd: 0.01,
  });
}
store.close();

const discord = await FakeDiscord.start({ token: 'bench-token' });
const user = discord.addUser('bench');
const started = Date.now();
const bot = startBotProcess({
  ...process.env as Record<string, string>, DISCORD_TOKEN: discord.token, DISCORD_API_URL: discord.apiUrl,
  DISCORD_GUILD_ID: discord.guildId, ALLOWED_USER_IDS: user.id, CLAUDE_WORKDIR: root, DATABASE_PATH: dbPath,
  RUN_DIR: runDir, TMUX_SOCKET: socket, SESSION_BACKEND: 'tmux', LOG_LEVEL: 'info', MAX_SESSIONS: String(Math.max(1, live)),
  MAX_SESSIONS_PER_USER: String(Math.max(1, live)),
});
const logTime = (msg: string) => discord.waitFor(() => bot.output().split('\n').map((l) => { try { return JSON.parse(l); } catch { return null; } })
  .find((l) => l?.msg?.startsWith(msg))?.time as number | undefined, 60_000, msg);
try {
  const restoredAt = await logTime('sessions restored');
  const readyAt = await logTime('ready;');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${bot.proc.pid}/status`, 'utf8'))![1]);
  const restoredLine = bot.output().split('\n').find((l) => l.includes('sessions restored'))!;
  console.log(`restore benchmark (${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores, node ${process.version})`);
  const { attached, ms } = JSON.parse(restoredLine) as { attached: number; ms: number };
  console.log(`stored sessions: ${total}, live in tmux: ${live}; reattached: ${attached}`);
  console.log(`restoreSessions() itself (orphan check excluded): ${ms} ms`);
  console.log(`process start → sessions restored: ${restoredAt - started} ms`);
  console.log(`process start → ready (logged in, /claude registered): ${readyAt - started} ms`);
  console.log(`bot RSS when ready: ${(rssKb / 1024).toFixed(1)} MiB`);
} finally {
  await bot.stop();
  await discord.close();
  try { execFileSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' }); } catch { /* gone */ }
  fs.rmSync(root, { recursive: true, force: true });
}
