/**
 * Doctor checks of "several machines" (when `NATS_URL` is set): that this hub or runner connects to
 * NATS with its configured credentials and TLS, and what it can see from there — on the hub, every
 * runner's presence (online, sessions live/max, version, last seen; a warning when none is online);
 * on a runner, its own command queue. Each is tried for real, with the same options the process
 * itself connects with (`natsOptions`).
 */
import type { Config } from '../config/load.js';
import { natsOptions } from '../nats-options.js';
import type { Presence } from '../remote/protocol.js';
import type { Check } from './doctor-checks.js';

/** Which side this machine is: the hub holds the Discord token; a runner has a name. */
export type NatsRole = { kind: 'hub' } | { kind: 'runner'; name: string } | { kind: 'unknown' };

export function natsRole(config: Config): NatsRole {
  if (config.DISCORD_TOKEN) return { kind: 'hub' };
  if (config.RUNNER_NAME) return { kind: 'runner', name: config.RUNNER_NAME };
  return { kind: 'unknown' };
}

/** "12 s ago", "5 min ago", "3 h ago". */
function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s ago`;
  if (s < 7200) return `${Math.round(s / 60)} min ago`;
  return `${Math.round(s / 3600)} h ago`;
}

/** One runner's presence as a doctor line. */
export function presenceLine(p: Presence, now: number): string {
  return `${p.online ? 'online' : 'offline'}, sessions ${p.live}/${p.max}, version ${p.version}, last seen ${ago(now - p.lastSeen)}`;
}

/**
 * The NATS checks: connect (credentials, TLS), then the hub's view of the runners or a runner's queue.
 * Never throws: each failure is a `fail` with its fix.
 * @param o.now epoch ms, for "last seen" @default Date.now()
 */
export async function checkNats(config: Config, o: { now?: number; connectTimeoutMs?: number } = {}): Promise<Check[]> {
  if (!config.NATS_URL) return [];
  const { connectNats, presenceBucket } = await import('../remote/jetstream.js');
  const { HUB_INBOX_PREFIX, runnerInboxPrefix, commandStream } = await import('../remote/subjects.js');
  const role = natsRole(config);
  const inboxPrefix = role.kind === 'hub' ? HUB_INBOX_PREFIX : role.kind === 'runner' ? runnerInboxPrefix(role.name) : undefined;
  const who = role.kind === 'runner' ? `runner ${role.name}` : role.kind;
  let nc;
  try {
    nc = await connectNats({ ...natsOptions(config, { name: `claude-bridge doctor (${who})`, inboxPrefix }), connectTimeoutMs: o.connectTimeoutMs ?? 10_000 });
  } catch (err) {
    return [{ name: 'NATS', status: 'fail', detail: (err as Error).message, fix: 'Check NATS_URL, NATS_USER/NATS_PASSWORD (or NATS_CREDS) and NATS_TLS_* against the server (claude-bridge nats-config wrote them in hub.env / runner-<name>.env)' }];
  }
  const checks: Check[] = [];
  const tls = nc.info?.tls_required ? 'TLS' : 'plain TCP';
  checks.push({ name: 'NATS', status: 'ok', detail: `connected to ${config.NATS_URL} as ${config.NATS_USER ?? 'the creds file\'s user'} (${tls}; nats-server ${nc.info?.version ?? '?'}), as the ${who}` });
  try {
    if (role.kind === 'runner') {
      const { jetstreamManager } = await import('@nats-io/jetstream');
      const jsm = await jetstreamManager(nc);
      const info = await jsm.streams.info(commandStream(role.name)).catch(() => null);
      checks.push(info
        ? { name: 'NATS queue', status: 'ok', detail: `${commandStream(role.name)}: ${info.state.messages} command(s) waiting for this runner` }
        : { name: 'NATS queue', status: 'ok', detail: `${commandStream(role.name)} does not exist yet: the runner creates it when it starts` });
    } else if (role.kind === 'hub') {
      checks.push(await checkRunners(await presenceBucket(nc, { create: false }), o.now ?? Date.now()));
    } else {
      checks.push({ name: 'NATS role', status: 'warn', detail: 'neither DISCORD_TOKEN (a hub) nor RUNNER_NAME (a runner) is set, so the rest of the NATS side was not checked', fix: 'Set RUNNER_NAME on a runner (claude-bridge runner --name is the same name)' });
    }
  } catch (err) {
    checks.push({ name: 'NATS access', status: 'fail', detail: `connected, but: ${(err as Error).message}`, fix: `The NATS user needs the permissions of ${role.kind === 'runner' ? `runnerPermissions('${role.name}')` : 'hubPermissions()'} (claude-bridge nats-config writes them)` });
  } finally {
    await nc.close().catch(() => undefined);
  }
  return checks;
}

/** The runners as the presence bucket has them: `warn` when none is online (or the bucket does not exist yet). */
async function checkRunners(kv: import('@nats-io/kv').KV, now: number): Promise<Check> {
  const name = 'runners';
  const fix = 'Start one on each machine: claude-bridge runner --name <name> (with its runner-<name>.env)';
  const { readPresence } = await import('../remote/presence.js');
  let all: Presence[];
  try {
    all = await readPresence(kv);
  } catch (err) {
    // `open` of a missing bucket succeeds; reading it then fails (observed with @nats-io/kv 3.4).
    if (!/stream not found/i.test((err as Error).message)) throw err;
    return { name, status: 'warn', detail: 'none has connected yet (no presence bucket: the hub creates it when it starts)', fix };
  }
  const online = all.filter((p) => p.online);
  const list = all.map((p) => `${p.name}: ${presenceLine(p, now)}`).join('; ');
  if (online.length === 0) return { name, status: 'warn', detail: all.length ? `none online (${list})` : 'none online', fix };
  return { name, status: 'ok', detail: `${online.length} of ${all.length} online — ${list}` };
}
