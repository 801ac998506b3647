/**
 * The benchmarks' rig for several machines (issue 12): a real nats-server on loopback (Debian's,
 * test/helpers/nats-server.ts) with the hub's user (`hubPermissions()`), one user per runner
 * (`runnerPermissions(n)`) and an unrestricted `observer`; a fake Discord of its own; `claude-bridge
 * hub` and `claude-bridge runner --name <n>` as processes, as they ship (compiled dist/), each
 * runner with its own Claude config home, work directory, store and tmux socket — the layout of
 * test/e2e/hub.test.ts. The observer connection sees every command and event as the server
 * stores it ({@link HubRig.observed}) and reads the runners' presence.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import { jetstream, jetstreamManager, StorageType } from '@nats-io/jetstream';
import { FakeDiscord, type FakeUser } from '../../test/fakes/discord/server.js';
import { startBotProcess, type BotProcess } from '../../test/helpers/bot-process.js';
import { makeClaudeTestEnv, type ClaudeTestEnv } from '../../test/helpers/claude-env.js';
import { NO_NATS_SERVER, natsServerBinary, startNatsServer, type NatsServer } from '../../test/helpers/nats-server.js';
import { commandIdFor } from '../../src/hub/service.js';
import { PRESENCE_BUCKET, hubPermissions, runnerPermissions } from '../../src/remote/subjects.js';

/** Ends a hub bench at once, with exit 0 and the reason, where there is no nats-server (so `npm run bench` goes on with the rest). */
export function exitUnlessNatsServer(bench: string): void {
  if (natsServerBinary()) return;
  console.log(`${bench}: skipped, ${NO_NATS_SERVER}`);
  process.exit(0);
}

export interface BenchRunner { name: string; cenv: ClaudeTestEnv; socket: string; db: string; proc: BotProcess | null }

/** A command or event as the observer saw it: when it arrived (Date.now(), ms), its subject and envelope. */
export interface Observed { at: number; subject: string; id: string; sentAt: number; body: { type: string; [k: string]: unknown } }

export interface HubRig {
  nats: NatsServer;
  discord: FakeDiscord;
  user: FakeUser;
  hub: BotProcess;
  runners: Record<string, BenchRunner>;
  /** Every command and event published since the rig started, in arrival order. */
  observed: Observed[];
  /** The tmux server's pid of a runner (its `claude` processes live there). */
  tmuxPid(runner: string): number;
  /** A runner's live bridge sessions in its tmux (`cdb-*`, the keeper session aside). */
  tmuxSessions(runner: string): string[];
  /** The nats-server's pid. */
  natsPid(): number;
  /**
   * Round trips on this NATS server from the bench process, `n` each, ms: a presence lookup (KV get
   * of runner `runner`'s key, what `HubService.send` does per message) and a JetStream publish until
   * its PubAck (a scratch file-storage stream, as the events and command streams are).
   */
  roundTrips(runner: string, n: number): Promise<{ kvGet: number[]; publish: number[] }>;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts NATS, the fake Discord, the hub, then the runners (the hub creates the presence bucket they
 * announce themselves in); resolves once the hub registered `/claude` and every runner is in presence.
 * `runnerEnv`: extra settings of every runner (e.g. `CLAUDE_BIN`, `MAX_SESSIONS`).
 * @throws when a process exits or is not ready within 60 s
 */
export async function hubRig(name: string, o: {
  runners: string[];
  stubUrl: string;
  runnerEnv?: Record<string, string>;
  /** Extra settings of the hub (e.g. `NODE_OPTIONS: '--cpu-prof'`). */
  hubEnv?: Record<string, string>;
  /** @default warn (as the all-in-one benches) */
  logLevel?: string;
  /** Called before the hub starts (e.g. to add threads, which its gateway READY then lists). */
  beforeHub?: (discord: FakeDiscord, user: FakeUser) => void;
}): Promise<HubRig> {
  const nats = await startNatsServer([
    { user: 'hub', password: 'pw-hub', permissions: hubPermissions() },
    ...o.runners.map((r) => ({ user: `runner-${r}`, password: `pw-${r}`, permissions: runnerPermissions(r) })),
    { user: 'observer', password: 'pw-observer' },
  ]);
  const discord = await FakeDiscord.start({ token: 'bench-hub-token' });
  const user = discord.addUser('bench');
  const observer: NatsConnection = await connect({ servers: nats.url, user: 'observer', pass: 'pw-observer', name: 'bench observer' });
  const observed: Observed[] = [];
  const dec = new TextDecoder();
  for (const subject of ['cdb.runner.*.cmd', 'cdb.runner.*.evt']) {
    observer.subscribe(subject, {
      callback: (_err, m) => {
        const at = Date.now();
        try {
          const e = JSON.parse(dec.decode(m.data)) as { id: string; at: number; body: Observed['body'] };
          observed.push({ at, subject: m.subject, id: e.id, sentAt: e.at, body: e.body });
        } catch { /* not protocol: not ours to time */ }
      },
    });
  }
  o.beforeHub?.(discord, user);
  const hubDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdb-bench-hub-'));
  const logLevel = o.logLevel ?? 'warn';
  const hub = startBotProcess({
    PATH: process.env.PATH ?? '', HOME: hubDir,
    DISCORD_TOKEN: discord.token, DISCORD_API_URL: discord.apiUrl, DISCORD_GUILD_ID: discord.guildId,
    ALLOWED_USER_IDS: user.id, ADMIN_USER_IDS: user.id, NATS_URL: nats.url, NATS_USER: 'hub', NATS_PASSWORD: 'pw-hub',
    DATABASE_PATH: path.join(hubDir, 'hub.db'), RUN_DIR: path.join(hubDir, 'run'), LOG_LEVEL: logLevel, THREADS: 'false', ...o.hubEnv,
  }, ['hub']);
  const runners: Record<string, BenchRunner> = {};
  const alive = (p: BotProcess, what: string) => { if (p.proc.exitCode !== null) throw new Error(`${what} exited:\n${p.output()}`); };
  const close = async () => {
    await hub.stop();
    for (const r of Object.values(runners)) {
      await r.proc?.stop();
      try { execFileSync('tmux', ['-L', r.socket, 'kill-server'], { stdio: 'ignore' }); } catch { /* gone */ }
    }
    await observer.close();
    await discord.close();
    await nats.stop();
    // The hub's and the runners' directories (stores, run dirs, Claude config homes, work dirs).
    for (const d of [hubDir, ...Object.values(runners).map((r) => path.dirname(r.cenv.workDir))]) fs.rmSync(d, { recursive: true, force: true });
  };
  try {
    await discord.waitFor(() => (alive(hub, 'the hub'), discord.calls.some((c) => c.method === 'PUT' && c.path.includes('/commands') && c.status === 200)), 60_000, 'the hub registering /claude');
    for (const r of o.runners) {
      const cenv = makeClaudeTestEnv(o.stubUrl);
      const m: BenchRunner = { name: r, cenv, socket: `cdb-bench-${name}-${process.pid}-${r}`, db: path.join(cenv.workDir, '..', 'runner.db'), proc: null };
      runners[r] = m;
      m.proc = startBotProcess({
        ...cenv.env, NATS_URL: nats.url, NATS_USER: `runner-${r}`, NATS_PASSWORD: `pw-${r}`,
        CLAUDE_WORKDIR: cenv.workDir, DATABASE_PATH: m.db, RUN_DIR: path.join(cenv.workDir, '..', 'run'),
        TMUX_SOCKET: m.socket, SESSION_BACKEND: 'tmux', SPARE_PROCESSES: '0', LOG_LEVEL: logLevel, ...o.runnerEnv,
      }, ['runner', '--name', r]);
    }
    const kv = await new Kvm(observer).open(PRESENCE_BUCKET);
    for (const r of Object.values(runners)) {
      for (let t = Date.now(); !(await kv.get(r.name).catch(() => null))?.value.length; await sleep(100)) {
        alive(r.proc!, `runner ${r.name}`);
        if (Date.now() - t > 60_000) throw new Error(`runner ${r.name} not in presence after 60 s:\n${r.proc!.output()}`);
      }
    }
  } catch (err) {
    await close();
    throw err;
  }
  return {
    nats, discord, user, hub, runners, observed, close,
    roundTrips: async (runner, n) => {
      const kv = await new Kvm(observer).open(PRESENCE_BUCKET);
      const jsm = await jetstreamManager(observer);
      await jsm.streams.add({ name: 'BENCH_RTT', subjects: ['bench.rtt'], storage: StorageType.File });
      const js = jetstream(observer);
      const kvGet: number[] = [];
      const publish: number[] = [];
      for (let i = 0; i < n; i++) {
        let t = performance.now();
        await kv.get(runner);
        kvGet.push(performance.now() - t);
        t = performance.now();
        await js.publish('bench.rtt', new TextEncoder().encode(`{"n":${i}}`), { msgID: `rtt-${i}` });
        publish.push(performance.now() - t);
      }
      await jsm.streams.delete('BENCH_RTT');
      return { kvGet, publish };
    },
    tmuxSessions: (r) => {
      try {
        return execFileSync('tmux', ['-L', runners[r]!.socket, 'list-sessions', '-F', '#{session_name}'], { encoding: 'utf8' })
          .split('\n').filter((x) => x.startsWith('cdb-') && x !== 'cdb-keeper');
      } catch { return []; }
    },
    natsPid: () => {
      const conf = path.join(path.dirname(nats.storeDir), 'nats.conf');
      const pid = fs.readdirSync('/proc').find((d) => /^\d+$/.test(d) && (() => { try { return fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(conf); } catch { return false; } })());
      if (!pid) throw new Error(`no process runs nats-server -c ${conf}`);
      return Number(pid);
    },
    tmuxPid: (r) => Number(execFileSync('tmux', ['-L', runners[r]!.socket, 'display-message', '-p', '#{pid}'], { encoding: 'utf8' }).trim()),
  };
}

/** A `/claude ask` as the benches time it: the interaction's id, when it was injected and when its final edit came (Date.now(), ms). */
export interface TimedTurn { interactionId: string; t0: number; final: number }

/** When Discord got the interaction's acknowledgement (its callback), ms after the interaction; `null` if it never did. */
export function ackMs(discord: FakeDiscord, t: TimedTurn): number | null {
  const c = discord.calls.find((x) => x.method === 'POST' && x.path.startsWith(`/interactions/${t.interactionId}/`) && x.path.endsWith('/callback'));
  return c ? c.at - t.t0 : null;
}

/** The command a hub turn was asked with, its `accepted` event and the turn's own events, as the observer saw them. */
function eventsOfTurn(t: TimedTurn, seen: Observed[]) {
  const cmdId = commandIdFor(t.interactionId);
  const cmd = seen.find((o) => o.subject.endsWith('.cmd') && o.id === cmdId);
  const accepted = seen.find((o) => o.body.type === 'accepted' && o.body.commandId === cmdId);
  const turnId = accepted?.body.turnId;
  const events = turnId ? seen.filter((o) => o.subject.endsWith('.evt') && o.body.turnId === turnId && o.body.type !== 'accepted') : [];
  return { cmd, accepted, events };
}

/** A hub turn's events, in the order stored: `type +produced/stored` (ms after the interaction). */
export function eventsOf(t: TimedTurn, seen: Observed[]): string {
  const { accepted, events } = eventsOfTurn(t, seen);
  return [...(accepted ? [accepted] : []), ...events].sort((x, y) => x.at - y.at).map((o) => `${o.body.type} +${o.sentAt - t.t0}/${o.at - t.t0}`).join(', ');
}

/**
 * Where a hub turn's time went (ms), from the fake Discord's calls and what the observer saw; each
 * event's `at` is the runner's clock when it was produced (the same machine's clock as ours).
 * `null` when something was not seen.
 */
export function stages(discord: FakeDiscord, t: TimedTurn, seen: Observed[]) {
  const { cmd, accepted, events } = eventsOfTurn(t, seen);
  const [turn, started, result] = (['turn', 'started', 'result'] as const).map((type) => events.find((o) => o.body.type === type));
  const ack = ackMs(discord, t);
  if (!cmd || !accepted || !turn || !started || !result || ack === null) return null;
  return {
    'interaction → acknowledged (deferReply reached Discord)': ack,
    'acknowledged → command stored (deferReply answered, presence, store, publish)': cmd.at - t.t0 - ack,
    'command stored → turn produced (runner: pull, session, inbox)': turn.sentAt - cmd.at,
    'turn produced → started produced (prompt written to claude)': started.sentAt - turn.sentAt,
    'started produced → result produced (claude answers)': result.sentAt - started.sentAt,
    'result produced → result stored (outbox: wait behind earlier events, PubAck)': result.at - result.sentAt,
    'result stored → final edit (hub: consume, store, TurnView, PATCH)': t.final - result.at,
    'events of the turn (accepted included)': events.length + 1,
    'all its events: produced → stored, summed': [...events, accepted].reduce((a, o) => a + (o.at - o.sentAt), 0),
  };
}

/** Prints {@link stages} of `turns` as a markdown table: median and p95 of each. */
export function printStages(discord: FakeDiscord, turns: TimedTurn[], seen: Observed[]): void {
  const parts = turns.map((t) => stages(discord, t, seen)).filter((s) => s !== null);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))]!;
  console.log(`Where a hub turn's time goes (${parts.length} of ${turns.length} turns fully seen, ms):`);
  console.log('| stage | median | p95 |');
  console.log('| --- | --- | --- |');
  for (const key of Object.keys(parts[0] ?? {})) {
    const xs = parts.map((p) => p[key as keyof typeof p]);
    console.log(`| ${key} | ${median(xs)} | ${p95(xs)} |`);
  }
}
