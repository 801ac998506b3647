/**
 * Restore within limits, a restore that fails, the per-user cap, stalled turns and ending processes
 * on shutdown — SessionManager with real tmux, a real SQLite file and real `claude` against the stub.
 */
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveClaudeBinary } from '../../src/claude/binary.js';
import { parseSnowflake, type BridgeSessionId } from '../../src/core/ids.js';
import { createLogger } from '../../src/core/logger.js';
import { TmuxBackend } from '../../src/backends/tmux.js';
import type { ProcessBackend } from '../../src/backends/types.js';
import { openDatabase } from '../../src/store/db.js';
import { SqliteSessionStore } from '../../src/store/sessions-repo.js';
import { SessionManager, type SessionManagerOptions } from '../../src/sessions/manager.js';
import { startAnthropicStub, type AnthropicStub } from '../fakes/anthropic-stub.js';
import { makeClaudeTestEnv, type ClaudeTestEnv } from '../helpers/claude-env.js';

let n = 0;
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

interface Rig { stub: AnthropicStub; cenv: ClaudeTestEnv; socket: string; dbPath: string; runDir: string }

async function rig(stubDelayMs = 100): Promise<Rig> {
  const stub = await startAnthropicStub({ slowDelayMs: stubDelayMs, slowPieces: 5 });
  const cenv = makeClaudeTestEnv(stub.url);
  const socket = `cdb-rl-${process.pid}-${++n}`;
  cleanups.push(() => stub.close(), () => { try { execFileSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' }); } catch { /* gone */ } });
  return { stub, cenv, socket, dbPath: path.join(cenv.workDir, '..', 's.db'), runDir: path.join(cenv.workDir, '..', 'run') };
}

function manager(r: Rig, over: Partial<SessionManagerOptions> = {}): SessionManager {
  const store = new SqliteSessionStore(openDatabase(r.dbPath));
  const m = new SessionManager({
    store, backend: new TmuxBackend({ socket: r.socket, runDir: r.runDir }),
    claudeBin: resolveClaudeBinary(undefined, { PATH: '' }).path, claudeConfigDir: r.cenv.configDir, env: r.cenv.env,
    defaultCwd: r.cenv.workDir, maxSessions: 5, maxSessionsPerUser: 5, maxQueue: 5, idleTimeoutMs: 600_000,
    healthIntervalMs: 600_000, turnStallMs: 600_000, log: createLogger(process.env.TEST_LOG ?? 'silent'), ...over,
  });
  cleanups.push(async () => { await m.shutdown({ keepProcesses: false }); store.close(); });
  return m;
}

const user = (i: number) => parseSnowflake(`10000000000000000${i}`);
const channel = parseSnowflake('200000000000000001');
const tmuxSessions = (socket: string) => {
  try { return execFileSync('tmux', ['-L', socket, 'list-sessions', '-F', '#{session_name}'], { encoding: 'utf8' }).split('\n').filter(Boolean); } catch { return []; }
};

describe('restore and limits', () => {
  it('restores the newest sessions up to MAX_SESSIONS, suspends the rest, and a failing one does not stop the others', async () => {
    const r = await rig();
    const first = manager(r);
    const ids: BridgeSessionId[] = [];
    for (const i of [1, 2, 3, 4]) {
      const s = await first.getOrCreateSession(user(i), channel);
      const t = s.sendMessage(`hi from ${i}`);
      await t.done;
      await s.delivered(t); // as the transport does once shown: nothing is owed at restart
      ids.push(s.id);
    }
    await first.shutdown({ keepProcesses: true });
    expect(tmuxSessions(r.socket)).toHaveLength(4);

    // The newest (user 4) fails to reattach; of the others, MAX_SESSIONS=2 fit: users 3 and 2.
    const real = new TmuxBackend({ socket: r.socket, runDir: r.runDir });
    const flaky: ProcessBackend = Object.assign(Object.create(real), {
      attach: (name: string, offset: number) => (name === ids[3] ? Promise.reject(new Error('boom')) : real.attach(name, offset)),
    });
    const second = manager(r, { maxSessions: 2, backend: flaky });
    await second.initialize();
    const states = ids.map((id) => second.getSession(id)!.state);
    expect(states).toEqual(['suspended', 'idle', 'idle', 'failed']);
    expect(tmuxSessions(r.socket).sort()).toEqual([`cdb-${ids[1]}`, `cdb-${ids[2]}`, `cdb-${ids[3]}`].sort()); // user 1's ended

    const resumed = await second.getSession(ids[0]!)!.sendMessage('still me').done; // suspended → --resume
    expect(resumed.text).toBe('echo: still me (turn 2)');
  });

  it('MAX_SESSIONS_PER_USER=1: a user\'s second session suspends their first, and both keep their context', async () => {
    const r = await rig();
    const m = manager(r, { maxSessionsPerUser: 1 });
    const a = await m.getOrCreateSession(user(1), channel);
    const b = await m.getOrCreateSession(user(1), parseSnowflake('200000000000000002'));
    await a.sendMessage('in a').done;
    await b.sendMessage('in b').done;
    expect([a.state, b.state]).toEqual(['suspended', 'idle']);
    expect((await a.sendMessage('a again').done).text).toBe('echo: a again (turn 2)');
    expect(b.state).toBe('suspended');
  });

  it('a turn silent for longer than TURN_STALL_TIMEOUT is ended and the user told; the next message recovers', async () => {
    const r = await rig(3000); // 3 s between pieces of a SLOW answer
    const m = manager(r, { turnStallMs: 1000 });
    const s = await m.getOrCreateSession(user(1), channel);
    const turn = s.sendMessage('SLOW and stuck');
    await new Promise<void>((resolve) => turn.once('text', () => resolve()));
    // The health check runs often, as the manager's own timer does: the 3 s gap between pieces holds
    // a 1 s silence however late a loaded machine delivers the lines around the first text.
    const checking = setInterval(() => m.checkHealth(), 200);
    const result = await turn.done.finally(() => clearInterval(checking));
    expect(result.outcome).toBe('process-exited');
    expect(result.error?.message).toBe('Claude Code produced no output for 1 s, so its process was ended. Send your message again to carry on.');
    const next = await s.sendMessage('hello?').done;
    expect(next.error?.message ?? null).toBeNull();
    expect(next.outcome).toBe('success');
  });

  it('shutdown without keeping processes ends them and leaves the sessions resumable', async () => {
    const r = await rig();
    const m = manager(r);
    const s = await m.getOrCreateSession(user(1), channel);
    await s.sendMessage('x').done;
    await m.shutdown({ keepProcesses: false });
    expect(tmuxSessions(r.socket)).toEqual([]);
    expect(s.state).toBe('suspended');
  });
});
