/** PERMISSION_MODE reaches Claude Code: its own `system/init` line reports the mode it runs in. */
import { afterAll, expect, it } from 'vitest';
import { parseSnowflake } from '../../src/core/ids.js';
import { TmuxRig } from '../helpers/tmux-rig.js';

let rig: TmuxRig | undefined;
afterAll(async () => rig?.close());

it('runs every session in the configured permission mode', async () => {
  rig = await TmuxRig.start('pm');
  const { manager } = rig.manager({ permissionMode: 'acceptEdits' });
  const session = await manager.getOrCreateSession(parseSnowflake('100000000000000001'), parseSnowflake('200000000000000001'));
  const modes: unknown[] = [];
  const turn = session.sendMessage('hi');
  turn.on('message', (m) => { if (m.type === 'system' && m.subtype === 'init') modes.push(m.permissionMode); });
  expect((await turn.done).outcome).toBe('success');
  expect(modes).toEqual(['acceptEdits']);
});

/** The modes a turn's `system/init` line reports (the mode the CLI runs that turn in). */
async function turnMode(session: Awaited<ReturnType<ReturnType<TmuxRig['manager']>['manager']['getOrCreateSession']>>, prompt: string): Promise<unknown[]> {
  const modes: unknown[] = [];
  const turn = session.sendMessage(prompt);
  turn.on('message', (m) => { if (m.type === 'system' && m.subtype === 'init') modes.push(m.permissionMode); });
  expect((await turn.done).outcome).toBe('success');
  return modes;
}

it('a session\'s own mode (/claude mode) reaches its live process, and the next process starts in it', async () => {
  rig ??= await TmuxRig.start('pm');
  const { manager, store } = rig.manager({ spareProcesses: 0 });
  const session = await manager.getOrCreateSession(parseSnowflake('100000000000000002'), parseSnowflake('200000000000000002'));
  expect(await turnMode(session, 'one')).toEqual(['default']);
  await session.setPermissionMode('acceptEdits'); // live and idle: set_permission_mode now
  expect(await turnMode(session, 'two')).toEqual(['acceptEdits']);
  expect(await session.suspend()).toBe(true);
  await session.setPermissionMode('plan'); // no process: kept in the record
  expect(store.get(session.id)!.permissionMode).toBe('plan');
  expect(await turnMode(session, 'three')).toEqual(['plan']); // the next process starts with --permission-mode plan
});
