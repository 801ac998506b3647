/**
 * Issue 12: `claude-bridge nats-config` (run as the CLI, through tsx) writes a configuration that
 * the real nats-server runs as is: the hub user (hubPermissions) sets up, sends commands to each
 * runner and reads presence; each runner user (runnerPermissions) drains its own queue and is
 * refused another's; passwords are stored as bcrypt hashes, the clear ones only in the 0600 env
 * files (never on stdout); existing files are not replaced without --force.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { createLogger } from '../../src/core/logger.js';
import { HubLink } from '../../src/remote/hub-link.js';
import { connectNats, ensureCommandStream } from '../../src/remote/jetstream.js';
import { commandStream, HUB_INBOX_PREFIX, RUNNER_CONSUMER, runnerInboxPrefix } from '../../src/remote/subjects.js';
import { natsServerBinary, NO_NATS_SERVER, startNatsServerWithConfig } from '../helpers/nats-server.js';

const hasNats = natsServerBinary() !== null;
if (!hasNats) console.warn(`skipping the nats-config suite: ${NO_NATS_SERVER}`);

const root = path.resolve(import.meta.dirname, '../..');
/** The CLI as shipped, from source: `claude-bridge <args>`. */
const cli = (args: string[], cwd: string) => spawnSync(path.join(root, 'node_modules/.bin/tsx'), [path.join(root, 'src/cli/index.ts'), ...args], {
  cwd, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: cwd }, timeout: 120_000,
});

describe.skipIf(!hasNats)('claude-bridge nats-config (real nats-server)', () => {
  let dir: string;
  let out: string;
  let stdout: string;
  let server: Awaited<ReturnType<typeof startNatsServerWithConfig>>;
  const conns: NatsConnection[] = [];
  const env = (file: string) => parseDotenv(fs.readFileSync(path.join(out, file)));
  const asRunner = async (name: string, file = `runner-${name}.env`) => {
    const e = env(file);
    const nc = await connectNats({ url: server.url, user: e.NATS_USER, password: e.NATS_PASSWORD, name: `runner ${name}`, inboxPrefix: runnerInboxPrefix(name) });
    conns.push(nc);
    return nc;
  };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdb-natsconf-'));
    out = path.join(dir, 'nats');
    const r = cli(['nats-config', '--runner', 'laptop', '--runner', 'box', '--out', out, '--listen', '127.0.0.1:-1', '--url', 'nats://127.0.0.1:4222'], dir);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    stdout = r.stdout;
    server = await startNatsServerWithConfig(path.join(out, 'nats-server.conf'));
  }, 180_000);
  afterAll(async () => {
    for (const nc of conns) await nc.close().catch(() => undefined);
    await server?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writes the server config with bcrypt hashes, and each password only in its own 0600 env file', () => {
    expect(fs.readdirSync(out).filter((f) => f !== 'jetstream').sort()).toEqual(['hub.env', 'nats-server.conf', 'runner-box.env', 'runner-laptop.env']);
    const conf = fs.readFileSync(path.join(out, 'nats-server.conf'), 'utf8');
    expect(conf.match(/"password":"\$2a\$11\$/g)).toHaveLength(3);
    expect(conf).toContain(`store_dir: ${JSON.stringify(path.join(out, 'jetstream'))}`); // where the server keeps the streams
    const passwords = ['hub.env', 'runner-laptop.env', 'runner-box.env'].map((f) => {
      expect((fs.statSync(path.join(out, f)).mode & 0o777).toString(8), f).toBe('600');
      return env(f).NATS_PASSWORD!;
    });
    expect(new Set(passwords).size).toBe(3);
    for (const p of passwords) {
      expect(p).toMatch(/^[\w-]{32}$/);
      expect(conf).not.toContain(p);
      expect(stdout).not.toContain(p);
    }
    expect(env('runner-laptop.env')).toMatchObject({ NATS_URL: 'nats://127.0.0.1:4222', NATS_USER: 'runner-laptop', RUNNER_NAME: 'laptop' });
    expect(env('hub.env')).toMatchObject({ NATS_URL: 'nats://127.0.0.1:4222', NATS_USER: 'hub' });
    expect(stdout).toContain(path.join(out, 'runner-box.env'));
  });

  it('runs under nats-server: the hub sends to each runner, each runner takes only its own commands', async () => {
    const h = env('hub.env');
    const link = await HubLink.connect({ url: server.url, user: h.NATS_USER, password: h.NATS_PASSWORD, name: 'hub', inboxPrefix: HUB_INBOX_PREFIX, log: createLogger('silent') });
    try {
      const toLaptop = await link.send('laptop', { type: 'interrupt', sessionId: '0123456789ab' });
      await link.send('box', { type: 'interrupt', sessionId: '0123456789ab' });
      expect(await link.presence('laptop')).toBeNull();
      const laptop = await asRunner('laptop');
      await ensureCommandStream(await jetstreamManager(laptop), 'laptop');
      const m = await (await jetstream(laptop).consumers.get(commandStream('laptop'), RUNNER_CONSUMER)).next({ expires: 10_000 });
      expect(JSON.parse(m!.string())).toMatchObject({ id: toLaptop });
      expect(await m!.ackAck()).toBe(true);
      await expect(jetstream(laptop).consumers.get(commandStream('box'), RUNNER_CONSUMER).then((c) => c.next({ expires: 2_000 }))).rejects.toThrow();
      expect(await link.queued('box')).toBe(1); // box's command is still waiting for box
      expect(server.output()).toMatch(/Publish Violation - User "runner-laptop", Subject "\$JS\.API\.CONSUMER\.INFO\.CDB_CMD_box\.runner"/);
      expect(server.output()).not.toMatch(/Violation - User "hub"/);
    } finally {
      await link.close();
    }
  });

  it('refuses a wrong password, and another runner\'s credentials do not open its queue', async () => {
    const e = env('runner-box.env');
    await expect(connectNats({ url: server.url, user: e.NATS_USER, password: `${e.NATS_PASSWORD}x`, name: 'box' })).rejects.toThrow(/refused the credentials/);
    const box = await asRunner('box');
    await expect(ensureCommandStream(await jetstreamManager(box), 'laptop')).rejects.toThrow();
  });

  it('does not replace existing files without --force; with it, new passwords; --keep-passwords adds a runner and keeps the rest', async () => {
    const before = fs.readFileSync(path.join(out, 'hub.env'), 'utf8');
    const r = cli(['nats-config', '--runner', 'laptop', '--out', out], dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^not overwriting .*nats-server\.conf.*hub\.env.*runner-laptop\.env .*--force/);
    expect(fs.readFileSync(path.join(out, 'hub.env'), 'utf8')).toBe(before);
    fs.chmodSync(path.join(out, 'hub.env'), 0o644);
    const forced = cli(['nats-config', '--runner', 'laptop', '--out', out, '--force'], dir);
    expect(forced.status).toBe(0);
    expect(env('hub.env').NATS_PASSWORD).not.toBe(parseDotenv(before).NATS_PASSWORD);
    expect((fs.statSync(path.join(out, 'hub.env')).mode & 0o777).toString(8)).toBe('600');
    const laptopEnv = fs.readFileSync(path.join(out, 'runner-laptop.env'), 'utf8');
    const added = cli(['nats-config', '--runner', 'laptop', '--runner', 'ci', '--out', out, '--keep-passwords', '--listen', '127.0.0.1:-1', '--store-dir', path.join(dir, 'store2')], dir);
    expect(added.status).toBe(0);
    expect(added.stdout).toMatch(/kept  .*hub\.env\n.*kept  .*runner-laptop\.env\n.*wrote .*runner-ci\.env/);
    expect(fs.readFileSync(path.join(out, 'runner-laptop.env'), 'utf8')).toBe(laptopEnv); // laptop keeps working as it is
    expect(fs.readFileSync(path.join(out, 'nats-server.conf'), 'utf8').match(/"user":"(hub|runner-laptop|runner-ci)"/g)).toHaveLength(3);
    const s2 = await startNatsServerWithConfig(path.join(out, 'nats-server.conf'));
    try {
      for (const [name, file] of [['laptop', 'runner-laptop.env'], ['ci', 'runner-ci.env']] as const) {
        const e = env(file); // the kept password and the new one both open the rewritten server
        const nc = await connectNats({ url: s2.url, user: e.NATS_USER, password: e.NATS_PASSWORD, name, inboxPrefix: runnerInboxPrefix(name) });
        await nc.close();
      }
    } finally {
      await s2.stop();
    }
    const bad = cli(['nats-config', '--runner', 'Laptop!', '--out', path.join(dir, 'other')], dir);
    expect(bad.stderr).toMatch(/runner name "Laptop!": use 1–32 of a-z/);
    expect(fs.existsSync(path.join(dir, 'other'))).toBe(false);
  }, 120_000);

  it("runs under the compose nats service's own command line", async () => {
    const compose = parseYaml(fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'));
    const composeOut = path.join(dir, 'compose');
    const store = path.join(dir, 'compose-store'); // stands for the container's /data
    expect(cli(['nats-config', '--runner', 'laptop', '--out', composeOut, '--listen', '127.0.0.1:-1', '--store-dir', store], dir).status).toBe(0);
    const conf = path.join(composeOut, 'nats-server.conf');
    const args = (compose.services.nats.command as string[]).map((a) => (a === '/etc/nats/nats-server.conf' ? conf : a));
    const s = await startNatsServerWithConfig(conf, args);
    try {
      const h = parseDotenv(fs.readFileSync(path.join(composeOut, 'hub.env')));
      const link = await HubLink.connect({ url: s.url, user: h.NATS_USER, password: h.NATS_PASSWORD, name: 'hub', inboxPrefix: HUB_INBOX_PREFIX, log: createLogger('silent') });
      await link.send('laptop', { type: 'interrupt', sessionId: '0123456789ab' });
      await link.close();
      expect(fs.readdirSync(store)).not.toEqual([]); // JetStream keeps its streams where --store-dir said
    } finally {
      await s.stop();
    }
  }, 120_000);
});
