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
