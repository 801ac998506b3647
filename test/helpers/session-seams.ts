/**
 * The session loop's seams for unit tests: a fake backend (test/fakes/fake-backend.ts), a fake
 * clock and an in-memory SQLite store, a fresh SessionManager on them before each test, and a way to
 * put a session in a given state or to "restart" (a second manager on the same store and backend).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeEach, expect } from 'vitest';
import { parseSnowflake } from '../../src/core/ids.js';
import { createLogger } from '../../src/core/logger.js';
import { SessionManager } from '../../src/sessions/manager.js';
import type { Session } from '../../src/sessions/session.js';
import type { Turn } from '../../src/sessions/turn.js';
import { openDatabase } from '../../src/store/db.js';
import { SqliteSessionStore } from '../../src/store/sessions-repo.js';
import { FakeBackend } from '../fakes/fake-backend.js';

export const alice = parseSnowflake('100000000000000001');
export const chan = (n: number) => parseSnowflake(`2000000000000000${String(n).padStart(2, '0')}`);

/** The current test's parts (replaced before each test). */
export const seams = {} as { backend: FakeBackend; store: SqliteSessionStore; manager: SessionManager; clock: number; configDir: string };

function options(o: { max?: number; perUser?: number; maxQueue?: number; spares?: number } = {}) {
  return {
    store: seams.store, backend: seams.backend, claudeBin: '/bin/false', claudeConfigDir: seams.configDir, env: {}, defaultCwd: seams.configDir,
    maxSessions: o.max ?? 4, maxSessionsPerUser: o.perUser ?? 4, maxQueue: o.maxQueue ?? 4, spareProcesses: o.spares ?? 0,
    idleTimeoutMs: 60_000, healthIntervalMs: 60_000, turnStallMs: 600_000, log: createLogger('silent'), now: () => seams.clock,
  };
}

/** Fresh parts; `o` sets the limits. */
export function makeManager(o: { max?: number; perUser?: number; maxQueue?: number; spares?: number } = {}): void {
  seams.configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdb-machine-'));
  seams.backend = new FakeBackend(seams.configDir);
  seams.store = new SqliteSessionStore(openDatabase(':memory:'));
  seams.clock = 1_000_000;
  seams.manager = new SessionManager(options(o));
}

/** Registers the fresh parts before each test of the calling file. */
export function useSeams(): void {
  beforeEach(() => makeManager());
}

export const started = (t: Turn) => new Promise<void>((resolve) => (t.isStarted ? resolve() : t.once('started', () => resolve())));

/** A session in `state`, ready for one input. */
export async function sessionIn(state: 'suspended' | 'idle' | 'running' | 'stopped' | 'failed'): Promise<{ s: Session; turn?: Turn }> {
  const { manager, backend } = seams;
  const s = manager.createSession(alice, chan(1));
  if (state === 'suspended') return { s };
  if (state === 'failed') {
    backend.failNextStart = new Error('no such binary');
    expect((await s.sendMessage('x').done).outcome).toBe('error');
    return { s };
  }
  await s.sendMessage('warm up').done;
  if (state === 'stopped') await s.stop();
  if (state !== 'running') return { s };
  backend.hold = true;
  const turn = s.sendMessage('long job');
  await started(turn);
  return { s, turn };
}

/**
 * A warmed-up session whose turn `first` is running (held by the fake) with steered messages
 * handled as `steerMode` says; `shown` collects every turn the session emits from then on.
 */
export async function runningFirst(steerMode: 'fold' | 'queue' | 'split' = 'fold'): Promise<{ s: Session; first: Turn; shown: Turn[] }> {
  const s = seams.manager.createSession(alice, chan(1));
  await s.sendMessage('warm up').done;
  seams.backend.hold = true;
  seams.backend.steerMode = steerMode;
  const first = s.sendMessage('first');
  await started(first);
  const shown: Turn[] = [];
  s.on('turn', (t) => shown.push(t));
  return { s, first, shown };
}

/** The first bot "crashes": its sessions stop reading, the store stays as it was; a second manager comes up. */
export async function restart(): Promise<SessionManager> {
  for (const s of (seams.manager as unknown as { sessions: Map<string, Session> }).sessions.values()) await s.detach();
  return new SessionManager(options());
}
