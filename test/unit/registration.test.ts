/** `/claude` registration that start-up waits for only when the definition changed (src/discord/registration.ts). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ClientApplication } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/core/logger.js';
import { registerCommands } from '../../src/discord/registration.js';

/** An application whose PUT resolves only when the test says (so "did start-up wait?" is observable). */
function fakeApp() {
  const puts: Array<{ body: unknown; guildId?: string; done: () => void }> = [];
  const app = {
    id: '123',
    commands: { set: (body: unknown, guildId?: string) => new Promise<void>((resolve) => puts.push({ body, guildId, done: resolve })) },
  } as unknown as ClientApplication;
  return { app, puts };
}
const log = createLogger('silent');
const body = [{ name: 'claude', description: 'Claude Code' }];

describe('registerCommands', () => {
  it('waits for a new or changed definition, then does not wait for the same one again (but still puts it)', async () => {
    const stamp = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cdb-reg-')), 'run', 'commands.sha256');
    const { app, puts } = fakeApp();

    const first = registerCommands(app, body, 'g1', stamp, log);
    await new Promise((r) => setImmediate(r));
    expect(puts).toHaveLength(1);
    expect(fs.existsSync(stamp)).toBe(false); // not before Discord said yes
    puts[0]!.done();
    expect(await first).toBe('registered');
    expect(fs.existsSync(stamp)).toBe(true);

    expect(await registerCommands(app, body, 'g1', stamp, log)).toBe('unchanged'); // resolved with its PUT still pending
    expect(puts).toHaveLength(2);
    expect(puts[1]).toMatchObject({ body, guildId: 'g1' });

    const changed = registerCommands(app, [{ ...body[0]!, description: 'new' }], 'g1', stamp, log);
    await new Promise((r) => setImmediate(r));
    puts[2]!.done();
    expect(await changed).toBe('registered');
    const otherGuild = registerCommands(app, [{ ...body[0]!, description: 'new' }], 'g2', stamp, log);
    await new Promise((r) => setImmediate(r));
    puts[3]!.done();
    expect(await otherGuild).toBe('registered'); // the guild is part of what was registered
  });
});
