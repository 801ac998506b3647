/**
 * Steering against the real CLI: a message written while a tool runs is folded into the running
 * turn; one written while the answer streams is answered right after, as a follow-up turn; the
 * session's queue goes on in order afterwards. Also: a turn's tool calls and their results.
 */
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { resolveClaudeBinary } from '../../src/claude/binary.js';
import { parseSnowflake } from '../../src/core/ids.js';
import { createLogger } from '../../src/core/logger.js';
import { TmuxBackend } from '../../src/backends/tmux.js';
import { openDatabase } from '../../src/store/db.js';
import { SqliteSessionStore } from '../../src/store/sessions-repo.js';
import { SessionManager } from '../../src/sessions/manager.js';
import type { Turn } from '../../src/sessions/turn.js';
import { startAnthropicStub, type AnthropicStub } from '../fakes/anthropic-stub.js';
import { makeClaudeTestEnv } from '../helpers/claude-env.js';

const socket = `cdb-steer-${process.pid}`;
const alice = parseSnowflake('100000000000000001');
let stub: AnthropicStub;
let manager: SessionManager;
let store: SqliteSessionStore;

beforeAll(async () => {
  stub = await startAnthropicStub({ slowDelayMs: 100, slowPieces: 40 });
  const cenv = makeClaudeTestEnv(stub.url);
  store = new SqliteSessionStore(openDatabase(':memory:'));
  manager = new SessionManager({
    store, backend: new TmuxBackend({ socket, runDir: path.join(cenv.workDir, '..', 'run'), pollMs: 200 }),
    claudeBin: resolveClaudeBinary(undefined, { PATH: '' }).path, claudeConfigDir: cenv.configDir,
    env: { ...cenv.env, IS_SANDBOX: '1' }, permissionMode: 'bypassPermissions',
    defaultCwd: cenv.workDir, maxSessions: 2, maxSessionsPerUser: 2, maxQueue: 2, idleTimeoutMs: 60_000,
    healthIntervalMs: 60_000, turnStallMs: 600_000, log: createLogger('silent'),
  });
});

afterAll(async () => {
  await manager?.shutdown({ keepProcesses: false });
  await stub?.close();
  try { execFileSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' }); } catch { /* gone */ }
});

const until = (turn: Turn, ok: () => boolean) => new Promise<void>((resolve) => {
  const check = () => { if (ok()) { turn.off('activity', check); resolve(); } };
  turn.on('activity', check);
  check();
});

it('folds a message sent while a tool runs into the running turn', async () => {
  const session = manager.createSession(alice, parseSnowflake('200000000000000001'));
  const turn = session.sendMessage('TOOL:sleep 2; echo slept');
  await until(turn, () => turn.parts.running?.name === 'Bash');
  const followUps: Turn[] = [];
  session.on('followUp', (t) => followUps.push(t));

  const sent = session.steer('also list the files');
  expect(sent).toEqual({ kind: 'steered', into: turn });
  const result = await turn.done;

  expect(result.text).toBe('ran: slept · steered: also list the files');
  expect(turn.steers).toEqual([{ text: 'also list the files', state: 'folded' }]);
  expect(followUps).toEqual([]);
  const tool = turn.parts.parts.find((p) => p.kind === 'tool');
  expect(tool).toMatchObject({ call: { name: 'Bash', input: { command: 'sleep 2; echo slept' }, result: { text: 'slept', isError: false } } });
  expect(turn.parts.tokens).toBeGreaterThan(0);
});

it('answers a message sent while the answer streams right after it, then goes on in order', async () => {
  const session = manager.createSession(alice, parseSnowflake('200000000000000002'));
  const turn = session.sendMessage('SLOW:30 first');
  await new Promise<void>((resolve) => turn.once('text', () => resolve()));
  const followUp = new Promise<Turn>((resolve) => session.once('followUp', resolve));

  expect(session.steer('second thought').kind).toBe('steered');
  const queued = session.sendMessage('third, queued'); // waits behind the running turn and its follow-up

  expect((await turn.done).outcome).toBe('success');
  expect(turn.steers).toEqual([{ text: 'second thought', state: 'next-turn' }]);
  const next = await followUp;
  expect(next.followUpOf).toBe(turn);
  expect((await next.done).text).toBe('echo: second thought (turn 2)');
  expect((await queued.done).text).toBe('echo: third, queued (turn 3)');
  expect(store.get(session.id)).toMatchObject({ messageCount: 3, turnCount: 3 });
});

it('sends a message as a turn of its own when nothing runs', async () => {
  const session = manager.createSession(alice, parseSnowflake('200000000000000003'));
  const sent = session.steer('hello');
  expect(sent.kind).toBe('turn');
  if (sent.kind === 'turn') expect((await sent.turn.done).text).toBe('echo: hello (turn 1)');
});
