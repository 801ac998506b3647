/**
 * Warm-session turn overhead vs spawning `claude -p --resume` per message (what most bridges do),
 * both against the local Anthropic stub answering at once, in one run: the difference is the CLI's
 * own overhead per message. Warm = this bridge's kept-alive stream-json process under tmux.
 *
 *   npx tsx scripts/bench/turn-overhead.ts [turns=20]
 */
import os from 'node:os';
import path from 'node:path';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { resolveClaudeBinary } from '../../src/claude/binary.js';
import { parseSnowflake } from '../../src/core/ids.js';
import { createLogger } from '../../src/core/logger.js';
import { TmuxBackend } from '../../src/backends/tmux.js';
import { openDatabase } from '../../src/store/db.js';
import { SqliteSessionStore } from '../../src/store/sessions-repo.js';
import { SessionManager } from '../../src/sessions/manager.js';
import { startAnthropicStub } from '../../test/fakes/anthropic-stub.js';
import { makeClaudeTestEnv } from '../../test/helpers/claude-env.js';

const turns = Number(process.argv[2] ?? 20);
const stub = await startAnthropicStub();
const cenv = makeClaudeTestEnv(stub.url);
const socket = `cdb-bench-o${process.pid}`;
const claude = resolveClaudeBinary(undefined, { PATH: '' }).path;
const manager = new SessionManager({
  store: new SqliteSessionStore(openDatabase(':memory:')),
  backend: new TmuxBackend({ socket, runDir: path.join(cenv.workDir, '..', 'run') }),
  claudeBin: claude, claudeConfigDir: cenv.configDir, env: cenv.env, defaultCwd: cenv.workDir, maxSessions: 2,
  maxSessionsPerUser: 2, maxQueue: 2, idleTimeoutMs: 600_000, healthIntervalMs: 600_000, turnStallMs: 600_000,
  log: createLogger('silent'),
});
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

try {
  const session = await manager.getOrCreateSession(parseSnowflake('100000000000000001'), parseSnowflake('200000000000000001'));
  await session.sendMessage('warm up').done; // starts the process
  const warm: number[] = [];
  for (let i = 0; i < turns; i++) {
    const t = performance.now();
    await session.sendMessage(`warm ${i}`).done;
    warm.push(performance.now() - t);
  }
  await session.suspend();

  const id = session.record.claudeSessionId;
  const spawned: number[] = [];
  for (let i = 0; i < turns; i++) {
    const t = performance.now();
    const child = promisify(execFile)(claude, ['-p', `spawned ${i}`, '--resume', id, '--output-format', 'json'], { cwd: cenv.workDir, env: cenv.env });
    child.child.stdin?.end(); // an open, silent stdin makes -p wait 3 s
    await child;
    spawned.push(performance.now() - t);
  }
  const w = median(warm);
  const s = median(spawned);
  console.log(`turn overhead (${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores, node ${process.version}, ${turns} turns each, stub answering at once)`);
  console.log(`warm session (kept-alive stream-json process): median ${w.toFixed(0)} ms per turn`);
  console.log(`claude -p --resume per message:                median ${s.toFixed(0)} ms per turn`);
  console.log(`ratio: spawning per message is ${(s / w).toFixed(1)}x slower`);
} finally {
  await manager.shutdown({ keepProcesses: false });
  await stub.close();
  try { execFileSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' }); } catch { /* gone */ }
}
