/**
 * The domain against real parts: real `claude` (the Agent SDK's bundled CLI) talking to the local
 * Anthropic stub, real SQLite file, and each backend in turn (tmux on a private socket, node-pty).
 * No Discord.
 */
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveClaudeBinary } from '../../src/claude/binary.js';
import { transcriptPath } from '../../src/claude/slug.js';
import { parseSnowflake } from '../../src/core/ids.js';
import { createLogger } from '../../src/core/logger.js';
import { PtyBackend } from '../../src/backends/pty.js';
import { TmuxBackend } from '../../src/backends/tmux.js';
import type { ProcessBackend } from '../../src/backends/types.js';
import { openDatabase } from '../../src/store/db.js';
import { SqliteSessionStore } from '../../src/store/sessions-repo.js';
import { SessionManager } from '../../src/sessions/manager.js';
import { startAnthropicStub, type AnthropicStub } from '../fakes/anthropic-stub.js';
import { makeClaudeTestEnv, type ClaudeTestEnv } from '../helpers/claude-env.js';

const socket = `cdb-it-${process.pid}`;
const backends: Array<[string, (runDir: string) => ProcessBackend]> = [
  ['tmux', (runDir) => new TmuxBackend({ socket, runDir })],
  ['pty', (runDir) => new PtyBackend({ runDir })],
];

const alice = parseSnowflake('100000000000000001');
const bob = parseSnowflake('100000000000000002');
const channel = parseSnowflake('200000000000000001');

describe.each(backends)('SessionManager with real claude, SQLite and %s', (kind, makeBackend) => {
let stub: AnthropicStub;
let cenv: ClaudeTestEnv;
let manager: SessionManager;
let store: SqliteSessionStore;

beforeAll(async () => {
  stub = await startAnthropicStub({ slowDelayMs: 100, slowPieces: 200 });
  cenv = makeClaudeTestEnv(stub.url);
  store = new SqliteSessionStore(openDatabase(path.join(cenv.workDir, '..', 'sessions.db')));
  manager = new SessionManager({
    store,
    backend: makeBackend(path.join(cenv.workDir, '..', 'run')),
    claudeBin: resolveClaudeBinary(undefined, { PATH: '' }).path,
    claudeConfigDir: cenv.configDir,
    env: cenv.env,
    defaultCwd: cenv.workDir,
    maxSessions: 1,
    maxSessionsPerUser: 1,
    maxQueue: 5,
    idleTimeoutMs: 60_000,
    healthIntervalMs: 60_000,
    turnStallMs: 600_000,
    log: createLogger('silent'),
  });
});

afterAll(async () => {
  await manager?.shutdown({ keepProcesses: false });
  await stub?.close();
  try { execFileSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' }); } catch { /* gone */ }
});

  it('answers, keeps context across turns, and records stats and the transcript', async () => {
    const session = await manager.getOrCreateSession(alice, channel);
    const deltas: string[] = [];
    const t1 = session.sendMessage('first question');
    t1.on('text', (_full, d) => deltas.push(d));
    const r1 = await t1.done;
    expect(r1).toMatchObject({ outcome: 'success', text: 'echo: first question (turn 1)' });
    expect(deltas.join('')).toBe(r1.text);

    expect(store.listTurns(session.id).map((t) => t.prompt)).toEqual(['first question']); // owed until delivered
    await session.delivered(t1);
    expect(store.listTurns(session.id)).toEqual([]);

    const t2 = manager.sendMessage(session.id, 'second question');
    const r2 = await t2.done;
    expect(r2.text).toBe('echo: second question (turn 2)'); // the CLI sent turn 1's history
    await session.delivered(t2);

    expect(await manager.getOrCreateSession(alice, channel)).toBe(session);
    const row = store.get(session.id)!;
    expect(row).toMatchObject({ state: 'idle', backend: kind, messageCount: 2, turnCount: 2 });
    expect(row.costUsd).toBeGreaterThan(0);
    expect(row.outputOffset).toBeGreaterThan(0);
    expect(fs.existsSync(transcriptPath(cenv.configDir, cenv.workDir, row.claudeSessionId))).toBe(true);
  });

  it('interrupts a slow turn; the process stays and the next message is answered', async () => {
    const session = await manager.getOrCreateSession(alice, channel);
    const slow = session.sendMessage('SLOW please');
    await new Promise<void>((resolve) => slow.once('text', () => resolve()));
    expect(await session.interrupt()).toBe(true);
    const r = await slow.done;
    expect(r.outcome).toBe('interrupted');
    const next = await session.sendMessage('after stop').done;
    expect(next.outcome).toBe('success');
    expect(next.text).toMatch(/^echo: after stop \(turn \d+\)$/);
  });

  it('suspends the idle session to make room under MAX_SESSIONS=1, and resumes it with its context', async () => {
    const first = await manager.getOrCreateSession(alice, channel);
    const other = await manager.getOrCreateSession(bob, channel);
    expect(other).not.toBe(first);
    const r = await other.sendMessage('hello from bob').done;
    expect(r.text).toBe('echo: hello from bob (turn 1)'); // isolated from alice's history
    expect(first.state).toBe('suspended');
    expect(manager.liveCount()).toBe(1);

    const resumed = await first.sendMessage('back again').done; // --resume: turns 1..n carried over
    expect(resumed.outcome).toBe('success');
    expect(Number(/turn (\d+)/.exec(resumed.text)![1])).toBeGreaterThanOrEqual(4);
  });
});
