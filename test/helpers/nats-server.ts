/**
 * A real nats-server for the NATS suites (issue 12): Debian's `nats-server` (2.9.x), installed by
 * `.ci/run`, started on a free loopback port (`listen: 127.0.0.1:-1`, the port read from its log)
 * with JetStream on a temp store dir and a config file of users, each with its permissions. The
 * config is JSON, which nats-server's config format accepts as is.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { NatsPermissions } from '../../src/remote/subjects.js';

export interface NatsUser {
  user: string;
  password: string;
  /** Omitted: may do anything in the account (the hub, in stage 1). */
  permissions?: NatsPermissions;
}

export interface NatsServer {
  url: string;
  port: number;
  storeDir: string;
  /** Everything the server logged. */
  output(): string;
  /** SIGTERM, then wait for the exit; the store dir is removed. */
  stop(): Promise<void>;
  /** Stops the server but keeps its store (an outage); {@link NatsServer.resume} starts it again on the same port. */
  pause(): Promise<void>;
  resume(): Promise<void>;
}

/** Starts `nats-server <args>`; `port` resolves once it logged the port it listens on and "Server is ready". */
function spawnUntilReady(bin: string, args: string[], onOutput: (text: string) => void): { child: ChildProcess; exited: Promise<void>; port: Promise<number> } {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  let mine = '';
  const port = new Promise<number>((resolve, reject) => {
    const onData = (d: Buffer) => {
      mine += d.toString();
      onOutput(d.toString());
      const m = /Listening for client connections on [^\s]*:(\d+)/.exec(mine);
      if (m && mine.includes('Server is ready')) resolve(Number(m[1]));
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`nats-server exited (${code}) before it was ready:\n${mine}`)));
    setTimeout(() => reject(new Error(`nats-server not ready after 30 s:\n${mine}`)), 30_000).unref();
  });
  return { child, exited, port };
}

/**
 * Runs nats-server on a configuration file written elsewhere (e.g. by `claude-bridge nats-config`),
 * as is, with `args` (default `-c <conf>`; e.g. the compose service's command). Its `listen` should
 * be `127.0.0.1:-1` (a free port, read from the log).
 */
export async function startNatsServerWithConfig(conf: string, args: string[] = ['-c', conf]): Promise<Pick<NatsServer, 'url' | 'port' | 'output' | 'stop'>> {
  const bin = natsServerBinary();
  if (!bin) throw new Error(NO_NATS_SERVER);
  let out = '';
  const run = spawnUntilReady(bin, args, (d) => { out += d; });
  const stop = async () => {
    if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGTERM');
    await run.exited;
  };
  const port = await run.port.catch(async (err: unknown) => { await stop(); throw err; });
  return { url: `nats://127.0.0.1:${port}`, port, output: () => out, stop };
}

/** `NATS_SERVER_BIN`, else `nats-server` on PATH (or in /usr/sbin); `null` when there is none. */
export function natsServerBinary(): string | null {
  if (process.env.NATS_SERVER_BIN) return process.env.NATS_SERVER_BIN;
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/sbin', '/usr/local/sbin'];
  for (const dir of dirs) {
    const file = path.join(dir, 'nats-server');
    try { fs.accessSync(file, fs.constants.X_OK); return file; } catch { /* next */ }
  }
  return null;
}

/** Why NATS suites skip, when they do (for `describe.skipIf`). */
export const NO_NATS_SERVER = 'nats-server not found (CI installs it: apt-get install nats-server; or set NATS_SERVER_BIN)';

/** A server-side `tls { }` block (nats-server docs, "TLS"): PEM files; `verify` asks clients for a certificate signed by `ca_file`. */
export interface NatsServerTls {
  cert_file: string;
  key_file: string;
  ca_file?: string;
  verify?: boolean;
}

export async function startNatsServer(users: NatsUser[], o: { tls?: NatsServerTls } = {}): Promise<NatsServer> {
  const bin = natsServerBinary();
  if (!bin) throw new Error(NO_NATS_SERVER);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdb-nats-'));
  const storeDir = path.join(dir, 'js');
  const config = {
    listen: '127.0.0.1:-1',
    jetstream: { store_dir: storeDir },
    accounts: { BRIDGE: { jetstream: 'enabled', users } },
    ...(o.tls ? { tls: o.tls } : {}),
  };
  const conf = path.join(dir, 'nats.conf');
  let out = '';
  let proc: ChildProcess;
  let exited: Promise<void> = Promise.resolve();
  const launch = async (listen: string): Promise<number> => {
    fs.writeFileSync(conf, JSON.stringify({ ...config, listen }, null, 2), { mode: 0o600 });
    const run = spawnUntilReady(bin, ['-c', conf], (d) => { out += d; });
    proc = run.child;
    exited = run.exited;
    return run.port;
  };
  const halt = async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
    await exited;
  };
  const port = await launch(config.listen);
  return {
    url: `nats://127.0.0.1:${port}`, port, storeDir,
    output: () => out,
    async stop() {
      await halt();
      fs.rmSync(dir, { recursive: true, force: true });
    },
    pause: halt,
    async resume() {
      await launch(`127.0.0.1:${port}`);
    },
  };
}
