/**
 * Issue 12, stage 1: a warm turn through a runner over NATS JetStream on loopback vs the same warm
 * turn in process, in one run, both against the local Anthropic stub answering at once.
 * - in process: `SessionManager` under tmux, `sendMessage` → the turn's `done` (what `start` does);
 * - over NATS: a hub client publishes a `send` command to `claude-bridge runner` (its own process,
 *   tmux, SQLite) and waits for the turn's `result` event from the events stream (command queue,
 *   acceptance in the runner's store, events published one at a time, hub consumer). No Discord on
 *   either side: the difference is what the protocol adds.
 *
 *   npx tsx scripts/bench/runner-latency.ts [turns=20]
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveClaudeBinary } from '../../src/claude/binary.js';
import { parseSnowflake } from '../../src/core/ids.js';
import { createLogger } from '../../src/core/logger.js';
import { TmuxBackend } from '../../src/backends/tmux.js';
import { openDatabase } from '../../src/store/db.js';
import { SqliteSessionStore } from '../../src/store/sessions-repo.js';
import { SessionManager } from '../../src/sessions/manager.js';
import { runnerPermissions } from '../../src/remote/subjects.js';
import { startAnthropicStub } from '../../test/fakes/anthropic-stub.js';
import { startBotProcess } from '../../test/helpers/bot-process.js';
import buildDist from '../../test/helpers/build.js';
import { makeClaudeTestEnv } from '../../test/helpers/claude-env.js';
import { HubClient } from '../../test/helpers/hub-client.js';
import { startNatsServer } from '../../test/helpers/nats-server.js';

const turns = Number(process.argv[2] ?? 20);
buildDist(); // the runner runs as shipped (dist/)
const stub = await startAnthropicStub();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.ceil(xs.length * 0.95) - 1]!;
const ALICE = '100000000000000001';

// In process.
const local = makeClaudeTestEnv(stub.url);
const socket = `cdb-bench-n${process.pid}`;
const manager = new SessionManager({
  store: new SqliteSessionStore(openDatabase(':memory:')),
  backend: new TmuxBackend({ socket, runDir: path.join(local.workDir, '..', 'run') }),
  claudeBin: resolveClaudeBinary(undefined, { PATH: '' }).path, claudeConfigDir: local.configDir, env: local.env, defaultCwd: local.workDir,
  maxSessions: 2, maxSessionsPerUser: 2, maxQueue: 2, idleTimeoutMs: 600_000, healthIntervalMs: 600_000, turnStallMs: 600_000,
  log: createLogger('silent'),
});
// Over NATS.
const nats = await startNatsServer([{ user: 'hub', password: 'pw-hub' }, { user: 'runner-a', password: 'pw-a', permissions: runnerPermissions('a') }]);
const remote = makeClaudeTestEnv(stub.url);
fs.mkdirSync(path.join(remote.workDir, '..', 'data'));
const hub = await HubClient.connect(nats.url, 'hub', 'pw-hub');
const rsocket = `cdb-bench-r${process.pid}`;
const runner = startBotProcess({
  ...remote.env, NATS_URL: nats.url, NATS_USER: 'runner-a', NATS_PASSWORD: 'pw-a', CLAUDE_WORKDIR: remote.workDir,
  DATABASE_PATH: path.join(remote.workDir, '..', 'data', 'runner.db'), RUN_DIR: path.join(remote.workDir, '..', 'run'),
  TMUX_SOCKET: rsocket, SESSION_BACKEND: 'tmux', SPARE_PROCESSES: '0', LOG_LEVEL: 'warn',
}, ['runner', '--name', 'a']);

const overNats = async (text: string) => {
  const t = performance.now();
  const accepted = hub.next((e) => e.body.type === 'accepted');
  await hub.send('a', { type: 'send', ownerId: ALICE, channelId: '200000000000000001', text });
  const { body } = await accepted;
  const turnId = body.type === 'accepted' ? body.turnId : null;
  await hub.next((e) => e.body.type === 'result' && e.body.turnId === turnId);
  return performance.now() - t;
};

try {
  const session = await manager.getOrCreateSession(parseSnowflake(ALICE), parseSnowflake('200000000000000001'));
  await session.sendMessage('warm up').done;
  await overNats('warm up'); // waits in the queue until the runner is up, then starts its process
  const inProcess: number[] = [];
  const viaNats: number[] = [];
  for (let i = 0; i < turns; i++) { // interleaved, so both see the same load
    let t = performance.now();
    await session.sendMessage(`warm ${i}`).done;
    inProcess.push(performance.now() - t);
    t = performance.now();
    viaNats.push(await overNats(`warm ${i}`));
  }
  const [a, b] = [median(inProcess), median(viaNats)];
  console.log(`runner latency (${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores, node ${process.version}, nats-server ${execFileSync('nats-server', ['--version'], { encoding: 'utf8' }).trim()}, ${turns} warm turns each, interleaved, stub answering at once)`);
  console.log(`in process (SessionManager):           median ${a.toFixed(1)} ms, p95 ${p95(inProcess).toFixed(1)} ms`);
  console.log(`over NATS (hub client → runner → hub): median ${b.toFixed(1)} ms, p95 ${p95(viaNats).toFixed(1)} ms`);
  console.log(`ratio (median): ${(b / a).toFixed(2)}×`);
} finally {
  await manager.shutdown({ keepProcesses: false });
  await runner.stop();
  await hub.close();
  await nats.stop();
  await stub.close();
  for (const s of [socket, rsocket]) try { execFileSync('tmux', ['-L', s, 'kill-server'], { stdio: 'ignore' }); } catch { /* gone */ }
}
