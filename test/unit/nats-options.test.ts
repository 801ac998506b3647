/**
 * Issue 12: the NATS keys of the configuration, checked before anything connects — plain TCP only
 * to this machine unless NATS_ALLOW_PLAINTEXT, a client certificate only with its key, TLS files
 * that exist; and the mapping every process connects with (`natsOptions`).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { natsOptions } from '../../src/nats-options.js';
import { connectNats, isLoopbackUrl, natsTls } from '../../src/remote/jetstream.js';

const config = (env: Record<string, string>) => loadConfig({ env, envFile: path.join(os.tmpdir(), 'cdb-no-such.env') });

describe('NATS transport rules', () => {
  it('knows loopback hosts', () => {
    for (const u of ['nats://127.0.0.1:4222', 'nats://127.1.2.3:4222', 'nats://localhost:4222', 'nats://[::1]:4222']) expect(isLoopbackUrl(u), u).toBe(true);
    for (const u of ['nats://10.0.0.5:4222', 'nats://nats:4222', 'nats://hub.example:4222', 'nats://127.0.0.1.example:4222']) expect(isLoopbackUrl(u), u).toBe(false);
  });

  it('refuses plain TCP to another machine with what to set, and allows it with NATS_ALLOW_PLAINTEXT or on loopback', async () => {
    const o = natsOptions(config({ NATS_URL: 'nats://hub.example:4222', NATS_USER: 'hub', NATS_PASSWORD: 'x' }), { name: 'hub' });
    expect(() => natsTls(o)).toThrow(/NATS_URL nats:\/\/hub\.example:4222 is another machine, and no TLS is set: .*NATS_TLS_CA.*NATS_ALLOW_PLAINTEXT=true/);
    await expect(connectNats(o)).rejects.toMatchObject({ code: 'CONFIG_INVALID' }); // refused before any connection is tried
    expect(natsTls(natsOptions(config({ NATS_URL: 'nats://nats:4222', NATS_ALLOW_PLAINTEXT: 'true' }), { name: 'hub' }))).toBeUndefined();
    expect(natsTls(natsOptions(config({ NATS_URL: 'nats://127.0.0.1:4222' }), { name: 'hub' }))).toBeUndefined();
  });

  it('asks for TLS with a tls:// URL (system CAs) or the TLS files, which must exist and pair up', () => {
    expect(natsTls({ url: 'tls://hub.example:4222' })).toEqual({});
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdb-tlsfiles-'));
    try {
      const ca = path.join(dir, 'ca.pem');
      fs.writeFileSync(ca, 'pem');
      const o = natsOptions(config({ NATS_URL: 'nats://hub.example:4222', NATS_TLS_CA: ca }), { name: 'runner a', inboxPrefix: '_INBOX_a' });
      expect(o).toMatchObject({ url: 'nats://hub.example:4222', name: 'runner a', inboxPrefix: '_INBOX_a', tls: { caFile: ca }, allowPlaintext: false });
      expect(natsTls(o)).toEqual({ caFile: ca, certFile: undefined, keyFile: undefined });
      expect(() => natsTls({ url: 'nats://hub.example:4222', tls: { caFile: path.join(dir, 'missing.pem') } })).toThrow(/NATS_TLS_CA: .*missing\.pem cannot be read \(ENOENT\)/);
      expect(() => natsTls({ url: 'nats://hub.example:4222', tls: { caFile: ca, certFile: ca } })).toThrow(/NATS_TLS_CERT and NATS_TLS_KEY go together/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
