/**
 * The hub's answer message for a `/claude ask` whose deferral Discord refused: the answer goes to a
 * channel message posted with the interaction's nonce (`postedLaterTarget`), and a hub restarted
 * mid-turn (no message id on record) posts with that same nonce, so Discord's `enforce_nonce`
 * returns the message already there (API docs, "Create Message": "If another message was created by
 * the same author with the same nonce, that message will be returned and no new message will be
 * created") and the answer ends in it — one message, not two. The channel here keeps that rule.
 */
import { expect, it } from 'vitest';
import type { Client } from 'discord.js';
import { createLogger } from '../../src/core/logger.js';
import { HubPresenter } from '../../src/discord/hub/presenter.js';
import { nonceOf } from '../../src/discord/nonce.js';
import { postedLaterTarget } from '../../src/discord/render/targets.js';
import { makeReplyRef } from '../../src/discord/reply-ref.js';
import { RemoteTurn } from '../../src/hub/remote-turn.js';
import { HubService } from '../../src/hub/service.js';
import { openDatabase } from '../../src/store/db.js';
import { HUB_MIGRATIONS } from '../../src/store/hub-migrations.js';
import { SqliteHubStore, type HubTurn } from '../../src/store/hub-repo.js';

const CHANNEL = '200000000000000001';
const INTERACTION = '400000000000000001';

it('a restarted hub ends the answer in the message posted for the refused interaction, not in a second one', async () => {
  const messages: Array<{ id: string; nonce: string | undefined; content: string }> = [];
  const channel = {
    isSendable: () => true,
    sendTyping: async () => undefined,
    send: async (m: { content: string; nonce?: string; enforceNonce?: boolean }) => {
      const same = m.enforceNonce && messages.find((x) => x.nonce === m.nonce);
      if (same) return { id: same.id, channelId: CHANNEL };
      const id = String(500000000000000000n + BigInt(messages.length));
      messages.push({ id, nonce: m.nonce, content: m.content });
      return { id, channelId: CHANNEL };
    },
    messages: { edit: async (id: string, m: { content: string }) => { messages.find((x) => x.id === id)!.content = m.content; return { id }; } },
  };
  const client = { channels: { cache: new Map([[CHANNEL, channel]]), fetch: async () => channel } } as unknown as Client;

  // Before the crash: the refused deferral's answer went to a channel message.
  await postedLaterTarget(client, CHANNEL, nonceOf('interaction', INTERACTION)).edit({ content: 'half an ans', components: [] });
  expect(messages).toHaveLength(1);

  // After the restart: the same turn shown again, its reply ref naming only the interaction.
  const store = new SqliteHubStore(openDatabase(':memory:', HUB_MIGRATIONS));
  const hub = new HubService({ link: {} as never, store, log: createLogger('silent') });
  const presenter = new HubPresenter({ client: () => client, hub, log: createLogger('silent'), maxInlineChunks: 3, maxUploadBytes: 8 << 20 });
  const row: HubTurn = {
    turnId: 't1', sessionId: '0123456789ab', runner: 'a', ownerId: '100000000000000001', channelId: CHANNEL,
    replyRef: makeReplyRef({ channelId: CHANNEL, via: INTERACTION }), followUp: false, createdAt: 1, shownAt: null,
  };
  store.addTurn(row);
  const turn = new RemoteTurn('t1', row.sessionId);
  turn.apply({ type: 'result', sessionId: row.sessionId, turnId: 't1', outcome: 'success', text: 'half an answer, then the rest', costUsd: 0.01, inputTokens: 1, outputTokens: 2, durationMs: 5 });
  await presenter.showTurn(turn, row);

  expect(messages).toHaveLength(1);
  expect(messages[0]!.content).toContain('half an answer, then the rest');
});
