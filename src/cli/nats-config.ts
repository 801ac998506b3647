/**
 * `claude-bridge nats-config --runner <n>… --out <dir>`: the NATS side of "several machines" in one
 * step. Writes a nats-server configuration (JetStream on, one user for the hub with
 * `hubPermissions()`, one per runner with `runnerPermissions(n)`, passwords stored as bcrypt
 * hashes, which nats-server checks as such: nats-server docs, "Bcrypted Passwords") and, mode 0600,
 * one env file per user holding its NATS_USER and NATS_PASSWORD. The clear passwords are written
 * there and nowhere else (not printed, not logged). Existing files are kept unless `force`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import bcrypt from 'bcryptjs';
import { parse as parseDotenv } from 'dotenv';
import { BridgeError } from '../core/errors.js';
import { hubPermissions, parseRunnerName, runnerPermissions, type NatsPermissions } from '../remote/subjects.js';

export interface NatsConfigOptions {
  /** Runner names (each becomes NATS user `runner-<n>`). */
  runners: string[];
  /** Directory the files go to (created, mode 0700, when missing). */
  out: string;
  /** Replace files that exist. @default false: refuse, writing nothing */
  force?: boolean;
  /**
   * Rewrite `nats-server.conf` for this list of runners but keep every env file that exists, and
   * its password (to add or remove a runner without new passwords for the others). @default false
   */
  keepPasswords?: boolean;
  /** nats-server `listen`. @default `0.0.0.0:4222` (other machines connect) */
  listen?: string;
  /** JetStream's store directory. @default `<out>/jetstream`, absolute */
  storeDir?: string;
  /** What the hub and runners put in NATS_URL; written into the env files when given. */
  url?: string;
  /** A server-side `tls { }` block: PEM files of the server's certificate and key; with `ca`, clients must show a certificate it signed. */
  tls?: { cert: string; key: string; ca?: string };
}

/** The NATS user of the hub, and of runner `<n>`. */
export const HUB_USER = 'hub';
export const runnerUser = (runner: string) => `runner-${runner}`;

/** bcrypt cost of the stored hashes (nats-server's own `mkpasswd` uses 11). */
const BCRYPT_COST = 11;

/**
 * A bcrypt hash nats-server 2.9 takes: `$2a$` (bcryptjs 3 writes `$2b$`, the same function for
 * passwords under 255 bytes; nats-server's own `mkpasswd` writes `$2a$`).
 */
function hash(password: string): string {
  return bcrypt.hashSync(password, bcrypt.genSaltSync(BCRYPT_COST).replace(/^\$2b\$/, '$2a$'));
}

/** A random password: 32 characters of base64url (192 bits). */
const password = () => randomBytes(24).toString('base64url');

interface User { user: string; password: string; permissions: NatsPermissions }

/** The nats-server configuration (NATS conf format; every string quoted, so a `$` in a hash is never a variable). */
export function renderServerConf(users: readonly User[], o: { listen: string; storeDir: string; tls?: NatsConfigOptions['tls']; runners: string[] }): string {
  const q = JSON.stringify;
  const tls = o.tls
    ? [`tls {`, `  cert_file: ${q(path.resolve(o.tls.cert))}`, `  key_file: ${q(path.resolve(o.tls.key))}`,
      ...(o.tls.ca ? [`  ca_file: ${q(path.resolve(o.tls.ca))}`, '  verify: true'] : []), '}']
    : ['# TLS, needed as soon as a runner is on another machine (README, "Several machines"):',
      '# tls { cert_file: "/etc/nats/server.pem", key_file: "/etc/nats/server.key" }'];
  return [
    '# nats-server configuration for claude-discord-bridge, written by `claude-bridge nats-config`.',
    `# Users: the hub, and runners ${o.runners.join(', ')}. Passwords are bcrypt hashes; the clear ones are`,
    '# only in hub.env and runner-<name>.env next to this file.',
    `listen: ${q(o.listen)}`,
    `jetstream { store_dir: ${q(o.storeDir)} }`,
    ...tls,
    'authorization {',
    '  users: [',
    ...users.map((u) => `    ${q({ user: u.user, password: hash(u.password), permissions: u.permissions })}`),
    '  ]',
    '}',
    '',
  ].join('\n');
}

function envFile(what: string, vars: Record<string, string | undefined>, url: string | undefined, tls: boolean): string {
  return [
    `# NATS credentials of ${what} (claude-bridge nats-config). Keep this file private.`,
    url ? `NATS_URL=${url}` : '# NATS_URL=nats://<the NATS server\'s address>:4222',
    ...Object.entries(vars).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`),
    tls ? '# NATS_TLS_CA=<path of the CA file that signed the server\'s certificate, on this machine>' : '',
    '',
  ].join('\n');
}

/**
 * The password in an env file nats-config wrote for `user`; `null` when the file does not exist.
 * @throws BridgeError `CONFIG_INVALID` when it exists but holds another user or no password
 */
function keptPassword(file: string, user: string): string | null {
  if (!fs.existsSync(file)) return null;
  const vars = parseDotenv(fs.readFileSync(file));
  if (vars.NATS_USER !== user || !vars.NATS_PASSWORD) {
    throw new BridgeError('CONFIG_INVALID', { detail: `${file} has no NATS_PASSWORD for user ${user}: fix it, or remove it to get a new one` });
  }
  return vars.NATS_PASSWORD;
}

/**
 * Writes `nats-server.conf`, `hub.env` and `runner-<n>.env` into `o.out`.
 * @returns each file, in that order, and whether it was kept as it was (`keepPasswords`)
 * @throws BridgeError `CONFIG_INVALID` on no runner, a bad or repeated runner name, files that exist
 *   without `force` or `keepPasswords`, or a kept env file without its password (nothing is written then)
 */
export function writeNatsConfig(o: NatsConfigOptions): { file: string; kept: boolean }[] {
  if (o.runners.length === 0) throw new BridgeError('CONFIG_INVALID', { detail: 'name at least one runner: --runner <name> (repeat it for each machine)' });
  const runners = o.runners.map(parseRunnerName);
  const twice = runners.find((r, i) => runners.indexOf(r) !== i);
  if (twice) throw new BridgeError('CONFIG_INVALID', { detail: `runner "${twice}" is named twice` });
  const out = path.resolve(o.out);
  const files = {
    conf: path.join(out, 'nats-server.conf'),
    hub: path.join(out, 'hub.env'),
    runners: runners.map((r) => path.join(out, `runner-${r}.env`)),
  };
  const all = [files.conf, files.hub, ...files.runners];
  const existing = all.filter((f) => fs.existsSync(f));
  if (existing.length > 0 && !o.force && !o.keepPasswords) {
    throw new BridgeError('CONFIG_INVALID', {
      detail: `not overwriting ${existing.join(', ')} (their passwords may be in use): pass --keep-passwords to add or remove runners keeping them, --force to replace them all, or choose another --out`,
    });
  }
  const kept = (file: string, user: string): string | null => (o.keepPasswords && !o.force ? keptPassword(file, user) : null);
  fs.mkdirSync(out, { recursive: true, mode: 0o700 });
  const hub: User = { user: HUB_USER, password: kept(files.hub, HUB_USER) ?? password(), permissions: hubPermissions() };
  const users = runners.map((r, i): User => ({ user: runnerUser(r), password: kept(files.runners[i]!, runnerUser(r)) ?? password(), permissions: runnerPermissions(r) }));
  const keptFiles = new Set<string>();
  const write = (file: string, text: string, mode: number) => {
    if (o.keepPasswords && !o.force && file !== files.conf && fs.existsSync(file)) {
      keptFiles.add(file); // kept as it is
      return;
    }
    fs.writeFileSync(file, text, { mode });
    fs.chmodSync(file, mode); // an overwritten file keeps its old mode otherwise
  };
  write(files.conf, renderServerConf([hub, ...users], {
    listen: o.listen ?? '0.0.0.0:4222', storeDir: path.resolve(o.storeDir ?? path.join(out, 'jetstream')), tls: o.tls, runners,
  }), 0o644);
  const tls = o.tls !== undefined;
  write(files.hub, envFile('the hub', { NATS_USER: hub.user, NATS_PASSWORD: hub.password }, o.url, tls), 0o600);
  users.forEach((u, i) => write(files.runners[i]!, envFile(`runner ${runners[i]}`, { NATS_USER: u.user, NATS_PASSWORD: u.password, RUNNER_NAME: runners[i] }, o.url, tls), 0o600));
  return all.map((file) => ({ file, kept: keptFiles.has(file) }));
}
