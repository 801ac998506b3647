/**
 * Issue 12, TLS between hub, runners and NATS: a real nats-server with a `tls { }` block and
 * certificates made here (openssl). Configured through the same keys an operator sets
 * (NATS_TLS_CA, NATS_TLS_CERT, NATS_TLS_KEY → `natsOptions` → `connectNats`): with the CA a hub
 * and a runner connect and a command goes through; without it, or with another CA, the
 * connection is refused with a message naming NATS_TLS_CA; a server that verifies clients refuses
 * one without a client certificate and takes one with it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/core/logger.js';
import { natsOptions } from '../../src/nats-options.js';
import { HubLink } from '../../src/remote/hub-link.js';
import { connectNats, ensureCommandStream } from '../../src/remote/jetstream.js';
import { commandStream, HUB_INBOX_PREFIX, hubPermissions, RUNNER_CONSUMER, runnerInboxPrefix, runnerPermissions } from '../../src/remote/subjects.js';
import { makeCerts, NO_OPENSSL, opensslBinary, type TestCerts } from '../helpers/certs.js';
import { natsServerBinary, NO_NATS_SERVER, startNatsServer, type NatsServer } from '../helpers/nats-server.js';

const ready = natsServerBinary() !== null && opensslBinary() !== null;
if (!ready) console.warn(`skipping the NATS TLS suite: ${natsServerBinary() ? NO_OPENSSL : NO_NATS_SERVER}`);

const log = createLogger('silent');
const users = [
  { user: 'hub', password: 'pw-hub', permissions: hubPermissions() },
  { user: 'runner-a', password: 'pw-a', permissions: runnerPermissions('a') },
];

describe.skipIf(!ready)('NATS over TLS (real nats-server, certificates made here)', () => {
  let dir: string;
  let certs: TestCerts;
  const servers: NatsServer[] = [];
  const conns: NatsConnection[] = [];
  /** The options a process configured with `env` (plus the server's URL) connects with. */
  const options = (server: NatsServer, env: Record<string, string>, name: string, inboxPrefix: string) =>
    natsOptions(loadConfig({ env: { NATS_URL: server.url, ...env }, envFile: path.join(dir, 'no.env') }), { name, inboxPrefix });

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdb-tls-'));
    certs = makeCerts(dir);
  });
  afterAll(async () => {
    for (const nc of conns) await nc.close().catch(() => undefined);
    for (const s of servers) await s.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('a server with a certificate', () => {
    let server: NatsServer;
    beforeAll(async () => {
      server = await startNatsServer(users, { tls: { cert_file: certs.serverCert, key_file: certs.serverKey } });
      servers.push(server);
    });

    it('a hub and a runner that trust its CA connect over TLS, and a command goes from one to the other', async () => {
      const link = await HubLink.connect({ ...options(server, { NATS_USER: 'hub', NATS_PASSWORD: 'pw-hub', NATS_TLS_CA: certs.ca }, 'hub', HUB_INBOX_PREFIX), log });
      try {
        expect(link.nc.info?.tls_required).toBe(true);
        const id = await link.send('a', { type: 'interrupt', sessionId: '0123456789ab' });
        const a = await connectNats(options(server, { NATS_USER: 'runner-a', NATS_PASSWORD: 'pw-a', NATS_TLS_CA: certs.ca }, 'runner a', runnerInboxPrefix('a')));
        conns.push(a);
        await ensureCommandStream(await jetstreamManager(a), 'a');
        const m = await (await jetstream(a).consumers.get(commandStream('a'), RUNNER_CONSUMER)).next({ expires: 10_000 });
        expect(JSON.parse(m!.string())).toMatchObject({ id });
        m!.ack();
      } finally {
        await link.close();
      }
    });

    it('refuses a client that does not trust its certificate (no CA, or another CA), saying to set NATS_TLS_CA', async () => {
      const creds = { NATS_USER: 'runner-a', NATS_PASSWORD: 'pw-a' };
      await expect(connectNats(options(server, creds, 'runner a', runnerInboxPrefix('a'))))
        .rejects.toThrow(/TLS: the server's certificate is not trusted .*set NATS_TLS_CA/);
      await expect(connectNats(options(server, { ...creds, NATS_TLS_CA: certs.otherCa }, 'runner a', runnerInboxPrefix('a'))))
        .rejects.toThrow(/TLS: the server's certificate is not trusted .*set NATS_TLS_CA/);
    });
  });

  describe('a server that verifies clients', () => {
    let server: NatsServer;
    beforeAll(async () => {
      server = await startNatsServer(users, { tls: { cert_file: certs.serverCert, key_file: certs.serverKey, ca_file: certs.ca, verify: true } });
      servers.push(server);
    });

    it('refuses a client without a certificate, and takes one with NATS_TLS_CERT and NATS_TLS_KEY', async () => {
      const env = { NATS_USER: 'runner-a', NATS_PASSWORD: 'pw-a', NATS_TLS_CA: certs.ca };
      const noCert = { ...options(server, env, 'runner a', runnerInboxPrefix('a')), connectTimeoutMs: 5_000 }; // the server hangs up; the client sees no answer
      await expect(connectNats(noCert)).rejects.toThrow(/no answer over TLS .*set NATS_TLS_CERT and NATS_TLS_KEY/);
      expect(server.output()).toContain("client didn't provide a certificate");
      const nc = await connectNats(options(server, { ...env, NATS_TLS_CERT: certs.clientCert, NATS_TLS_KEY: certs.clientKey }, 'runner a', runnerInboxPrefix('a')));
      conns.push(nc);
      expect(nc.info?.tls_required).toBe(true);
    });
  });
});
