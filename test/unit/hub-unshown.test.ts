/**
 * A prompt the hub can never show — its channel deleted, or the bot may not post there (Discord's
 * Unknown Channel 10003 / Missing Access 50001, API docs "JSON Error Codes") — is denied at once
 * by `nobody`, once, as the all-in-one denies what it cannot post: Claude must not wait out
 * PERMISSION_TIMEOUT for a prompt nobody sees. And the protocol takes a denial by `nobody`, but
 * nothing else by `nobody`.
 */
import { describe, expect, it } from 'vitest';
import { DiscordAPIError, type Client } from 'discord.js';
import { createLogger } from '../../src/core/logger.js';
import { HubPresenter } from '../../src/discord/hub/presenter.js';
import { HubService } from '../../src/hub/service.js';
import type { HubSession, PermissionAsk } from '../../src/hub/ui.js';
import { command, PROTOCOL_VERSION } from '../../src/remote/protocol.js';
import { openDatabase } from '../../src/store/db.js';
import { HUB_MIGRATIONS } from '../../src/store/hub-migrations.js';
import { SqliteHubStore } from '../../src/store/hub-repo.js';

const USER = '100000000000000001';
const session: HubSession = { sessionId: '0123456789ab', runner: 'a', ownerId: USER, channelId: '200000000000000001', lastAt: 1 };
const tool: PermissionAsk = { type: 'permission', sessionId: session.sessionId, key: 'k-tool', turnId: null, kind: 'tool', tool: 'Bash', input: { command: 'ls' } };
const question: PermissionAsk = {
  type: 'permission', sessionId: session.sessionId, key: 'k-question', turnId: null, kind: 'question', tool: 'AskUserQuestion', input: {},
  questions: [{ question: 'Which?', header: 'Pick', options: [{ label: 'A', description: '' }], multiSelect: false }],
};

function setup(code: number) {
  const gone = () => new DiscordAPIError({ code, message: 'gone' }, code, 404, 'POST', `/channels/${session.channelId}/messages`, {});
  const channel = { isSendable: () => true, send: async () => { throw gone(); } };
  const client = { channels: { cache: new Map([[session.channelId, channel]]), fetch: async () => channel } } as unknown as Client;
  const store = new SqliteHubStore(openDatabase(':memory:', HUB_MIGRATIONS));
  store.noteSession(session);
  const sent: Array<{ runner: string; body: unknown; id: string }> = [];
  const link = { send: async (runner: string, body: unknown, id: string) => void sent.push({ runner, body, id }) };
  const hub = new HubService({ link: link as never, store, log: createLogger('silent') });
  const presenter = new HubPresenter({ client: () => client, hub, log: createLogger('silent'), maxInlineChunks: 3, maxUploadBytes: 8 << 20 });
  return { presenter, sent };
}

describe('a prompt the hub cannot show', () => {
  it('is denied by nobody on its runner, once per prompt, whether a tool\'s, a question or a plan', async () => {
    const { presenter, sent } = setup(10003);
    await presenter.permission(tool, session);
    await presenter.permission(question, session);
    await presenter.permission(tool, session); // the event delivered again
    expect(sent.map((s) => ({ runner: s.runner, body: s.body }))).toEqual([
      { runner: 'a', body: { type: 'permission', sessionId: session.sessionId, key: 'k-tool', decision: 'deny', userId: 'nobody' } },
      { runner: 'a', body: { type: 'permission', sessionId: session.sessionId, key: 'k-question', decision: 'deny', userId: 'nobody' } },
      { runner: 'a', body: { type: 'permission', sessionId: session.sessionId, key: 'k-tool', decision: 'deny', userId: 'nobody' } },
    ]);
    expect(sent[2]!.id).toBe(sent[0]!.id); // the same command: JetStream and the runner take it once
    expect(sent[1]!.id).not.toBe(sent[0]!.id);
  });

  it('leaves a passing failure to the event\'s next delivery, denying nothing', async () => {
    const { presenter, sent } = setup(500);
    await expect(presenter.permission(tool, session)).rejects.toThrow();
    expect(sent).toEqual([]);
  });

  it('the protocol carries a denial by nobody, and refuses anything else by nobody', () => {
    const cmd = (decision: string) => command.safeParse({
      v: PROTOCOL_VERSION, id: '7b0c8f0e-52a3-4a44-9d1c-2d1d3c6b8e11', at: 1,
      body: { type: 'permission', sessionId: session.sessionId, key: 'k', decision, userId: 'nobody' },
    }).success;
    expect([cmd('deny'), cmd('allow'), cmd('always')]).toEqual([true, false, false]);
  });
});
