/**
 * Steering against the real CLI: a message written while a tool runs is folded into the running
 * turn; one written while the answer streams is answered right after, as a follow-up turn; the
 * session's queue goes on in order afterwards. Also: a turn's tool calls and their results.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseSnowflake } from '../../src/core/ids.js';
import type { SessionManager } from '../../src/sessions/manager.js';
import type { Turn } from '../../src/sessions/turn.js';
import type { SqliteSessionStore } from '../../src/store/sessions-repo.js';
import { TmuxRig } from '../helpers/tmux-rig.js';

const alice = parseSnowflake('100000000000000001');
let rig: TmuxRig;
let manager: SessionManager;
let store: SqliteSessionStore;

beforeAll(async () => {
  rig = await TmuxRig.start('steer', { slowDelayMs: 100, slowPieces: 40 });
  ({ manager, store } = rig.manager({ env: { ...rig.cenv.env, IS_SANDBOX: '1' }, permissionMode: 'bypassPermissions', maxQueue: 2 }));
});

afterAll(async () => rig?.close());

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
  session.on('turn', (t) => { if (t.followUpOf) followUps.push(t); });

  const sent = await session.steer('also list the files');
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
  const followUp = new Promise<Turn>((resolve) => session.on('turn', (t) => { if (t.followUpOf) resolve(t); }));

  expect((await session.steer('second thought')).kind).toBe('steered');
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
  const sent = await session.steer('hello');
  expect(sent.kind).toBe('turn');
  if (sent.kind === 'turn') expect((await sent.turn.done).text).toBe('echo: hello (turn 1)');
});
