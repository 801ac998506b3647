/**
 * Issue 12: `doctor` with NATS_URL set, against a real nats-server with the permissions
 * `nats-config` writes. On the hub: it connects with the configured credentials and lists each
 * runner's presence as the runners' own heartbeats wrote it, warning when none is online; refused
 * credentials and an unreachable server fail with the fix. On a runner: its queue, and no Discord
 * token asked for.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/transport-node';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/core/logger.js';
import { runDoctor } from '../../src/cli/doctor.js';
import { openDatabase } from '../../src/store/db.js';
import { HUB_MIGRATIONS } from '../../src/store/hub-migrations.js';
import { checkNats } from '../../src/cli/doctor-nats.js';
import { HubLink } from '../../src/remote/hub-link.js';
import { connectNats, presenceBucket } from '../../src/remote/jetstream.js';
import { PresenceHeartbeat } from '../../src/remote/presence.js';
import { hubPermissions, runnerInboxPrefix, runnerPermissions } from '../../src/remote/subjects.js';
import { natsServerBinary, NO_NATS_SERVER, startNatsServer, type NatsServer } from '../helpers/nats-server.js';

const hasNats = natsServerBinary() !== null;
if (!hasNats) console.warn(`skipping the doctor NATS suite: ${NO_NATS_SERVER}`);

const log = createLogger('silent');
const TOKEN = 'MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB';

describe.skipIf(!hasNats)('doctor: the NATS side (real nats-server)', () => {
  let server: NatsServer;
  const conns: NatsConnection[] = [];
  const config = (env: Record<string, string>) => loadConfig({ env: { NATS_URL: server.url, ...env }, envFile: path.join(os.tmpdir(), 'cdb-no-such.env') });
  const hub = (extra: Record<string, string> = {}) => config({ DISCORD_TOKEN: TOKEN, NATS_USER: 'hub', NATS_PASSWORD: 'pw-hub', ...extra });
  const heartbeat = async (name: string, live: number) => {
    const nc = await connectNats({ url: server.url, user: `runner-${name}`, password: `pw-${name}`, name, inboxPrefix: runnerInboxPrefix(name) });
    conns.push(nc);
    const beat = new PresenceHeartbeat({ bucket: () => presenceBucket(nc, { create: false }), name, version: '1.2.3', max: 5, live: () => live, log });
    await beat.start();
    return beat;
  };

  beforeAll(async () => {
    server = await startNatsServer([
      { user: 'hub', password: 'pw-hub', permissions: hubPermissions() },
      { user: 'runner-laptop', password: 'pw-laptop', permissions: runnerPermissions('laptop') },
      { user: 'runner-box', password: 'pw-box', permissions: runnerPermissions('box') },
    ]);
  });
  afterAll(async () => {
    for (const nc of conns) await nc.close().catch(() => undefined);
    await server?.stop();
  });

  it('on a hub before any runner: connected, and a warning that no runner has connected', async () => {
    const checks = await checkNats(hub());
    expect(checks[0]).toMatchObject({ name: 'NATS', status: 'ok' });
    expect(checks[0]!.detail).toMatch(/^connected to nats:\/\/127\.0\.0\.1:\d+ as hub \(plain TCP; nats-server 2\.\d+\.\d+\), as the hub$/);
    expect(checks[1]).toMatchObject({ name: 'runners', status: 'warn', detail: expect.stringContaining('none has connected yet') });
  });

  it("lists each runner's presence from its heartbeats, and warns once none is online", async () => {
    const link = await HubLink.connect({ url: server.url, user: 'hub', password: 'pw-hub', name: 'hub', inboxPrefix: '_INBOX_hub', log });
    try {
      const laptop = await heartbeat('laptop', 2);
      const box = await heartbeat('box', 0);
      await box.stop(); // marks it offline
      const [, runners] = await checkNats(hub());
      expect(runners).toMatchObject({ name: 'runners', status: 'ok' });
      expect(runners!.detail).toMatch(/^1 of 2 online — box: offline, sessions 0\/5, version 1\.2\.3, last seen \d+ s ago; laptop: online, sessions 2\/5, version 1\.2\.3, last seen \d+ s ago$/);
      await laptop.stop();
      const [, none] = await checkNats(hub());
      expect(none).toMatchObject({ status: 'warn', detail: expect.stringMatching(/^none online \(box: offline.*laptop: offline/) });
      expect(none!.fix).toContain('claude-bridge runner --name');
    } finally {
      await link.close();
    }
  });

  it('fails with the fix on refused credentials, an unreachable server, or plain TCP to another machine', async () => {
    const [refused] = await checkNats(hub({ NATS_PASSWORD: 'wrong' }));
    expect(refused).toMatchObject({ name: 'NATS', status: 'fail', detail: expect.stringContaining('the server refused the credentials') });
    expect(refused!.fix).toContain('NATS_USER/NATS_PASSWORD');
    const [down] = await checkNats(hub({ NATS_URL: 'nats://127.0.0.1:1' }));
    expect(down).toMatchObject({ name: 'NATS', status: 'fail' });
    const [plain] = await checkNats(hub({ NATS_URL: 'nats://hub.example:4222' }));
    expect(plain).toMatchObject({ status: 'fail', detail: expect.stringContaining('no TLS is set') });
  });

  it('on a runner: its queue, and no Discord token asked for', async () => {
    const runner = config({ RUNNER_NAME: 'laptop', NATS_USER: 'runner-laptop', NATS_PASSWORD: 'pw-laptop' });
    const checks = await checkNats(runner);
    expect(checks.map((c) => [c.name, c.status])).toEqual([['NATS', 'ok'], ['NATS queue', 'ok']]);
    expect(checks[0]!.detail).toContain('as the runner laptop');
    expect(server.output()).not.toMatch(/Violation - User "runner-laptop"/);
    const all = await runDoctor(runner, { fetch: async () => { throw new Error('a runner must not call Discord'); } });
    expect(all.find((c) => c.name === 'Discord')).toMatchObject({ status: 'ok', detail: 'not used by runner laptop: the hub alone holds the token' });
    expect(all.some((c) => c.name.startsWith('Discord ') || c.name === 'Message Content intent')).toBe(false);
    expect(all.find((c) => c.name === 'NATS')?.status).toBe('ok');
  }, 120_000);

  it('on a hub: its store and the NATS side, none of the session side (claude, tmux) it does not run', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdb-hubdoc-'));
    try {
      const file = path.join(dir, 'hub.db');
      openDatabase(file, HUB_MIGRATIONS).close(); // as the hub leaves it
      const discord = async (url: string | URL | Request) => new Response(JSON.stringify(String(url).endsWith('/applications/@me') ? { id: '123456789012345678', flags: 1 << 18 } : { url: 'wss://x' }));
      const checks = await runDoctor(hub({ DATABASE_PATH: file }), { fetch: discord as typeof fetch, env: { DATABASE_PATH: file } });
      const names = checks.map((c) => c.name);
      expect(names).toEqual(expect.arrayContaining(['Discord token', 'Discord API', 'NATS', 'runners', 'session side', 'better-sqlite3', 'data directory', 'database']));
      for (const sessionSide of ['tmux', 'claude binary', 'Claude Code login', 'node-pty', 'session backend', 'working directory']) expect(names).not.toContain(sessionSide);
      expect(checks.find((c) => c.name === 'database')).toMatchObject({ status: 'ok', detail: `${file}: integrity ok, schema version ${HUB_MIGRATIONS.at(-1)!.version}` });
      expect(checks.filter((c) => c.status === 'fail')).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
