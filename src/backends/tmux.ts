/**
 * `TmuxBackend`: each process lives in a detached tmux session `cdb-<name>` on its own socket
 * (`tmux -L <socket>`), so it outlives the bot. Recipe (DESIGN.md §3, verified with tmux 3.3a and
 * Claude Code 2.1.330): stdin is a FIFO the pane holds open read-write (the CLI never sees EOF when
 * the bot goes away), stdout is appended to `out.ndjson` which the bot tails, stderr stays on the
 * pane's tty (redirecting all three detaches the CLI from the pane and tmux's SIGHUP kills it).
 *
 * Environment: every tmux client runs with the small {@link helperEnv} (the server inherits the
 * environment of the client that starts it), and the pane runs `env -i`, so the child's environment
 * is exactly what the pane script sources from the 0600 env file: `spec.env`. No env value is ever
 * in an argv. The pane script does not exec the child: it waits for it and writes its `$?` to
 * `exit` (tmp + rename), which the handle sees through inotify.
 */
import fs from 'node:fs';
import path from 'node:path';
import PQueue from 'p-queue';
import { BridgeError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { passableEnv, writeEnvFile } from './env-file.js';
import { execWithEnv, helperEnv, type Exec } from './exec.js';
import { makeFifo } from './fifo.js';
import { TmuxMonitor, type TmuxRunner } from './tmux-monitor.js';
import { TmuxProcess } from './tmux-process.js';
import type { ProcessBackend, ProcessHandle, ProcessSpec } from './types.js';

export const TMUX_PREFIX = 'cdb-';

/** tmux commands that create or end sessions: they take turns with a control client's connection (see the constructor). */
const STRUCTURAL = new Set(['new-session', 'kill-session', 'kill-server']);

/**
 * The pane's program, run as `/usr/bin/env -i /bin/sh -c PANE_SCRIPT <dir> <command> <args…>`: a
 * fixed string, user data only in positional parameters. fd 3 holds the FIFO read-write for the
 * pane's lifetime. The inner shell drops the `PWD` dash exports, sources the env file, deletes it,
 * records its pid (= the child's, after exec) and execs the child. The outer shell then writes the
 * status atomically and waits on the FIFO (no CPU) so the bot can read the pane's screen (stderr)
 * before it ends the session. If the outer shell is hung up instead (kill-session, server death),
 * no `exit` is written and the monitor reports the end.
 */
const PANE_SCRIPT = [
  'exec 3<>"$0/in.fifo"',
  `/bin/sh -c 'unset PWD; . "$0/env" && command -p rm -f -- "$0/env" && echo $$ >"$0/pid" && exec "$@"' "$0" "$@" <&3 3<&- >>"$0/out.ndjson"`,
  'echo $? >"$0/exit.tmp" && command -p mv -f -- "$0/exit.tmp" "$0/exit"',
  'while read -r _ <&3; do :; done',
].join('\n');

export interface TmuxBackendOptions {
  /** tmux socket name (`-L`). */
  socket: string;
  /** Directory holding each process's run dir `<name>/`. */
  runDir: string;
  /** Runs tmux; by default `execFile` with {@link helperEnv} only. */
  exec?: Exec;
  tmuxBin?: string;
  log?: Logger;
}

export class TmuxBackend implements ProcessBackend {
  readonly kind = 'tmux' as const;
  private readonly run: TmuxRunner;
  private readonly monitor: TmuxMonitor;
  private readonly log: Logger | undefined;
  /** The server check under way, shared by concurrent starts. */
  private serverStarting: Promise<void> | null = null;

  constructor(private readonly opts: TmuxBackendOptions) {
    const env = helperEnv();
    const exec = opts.exec ?? execWithEnv(env);
    const bin = opts.tmuxBin ?? 'tmux';
    // tmux 3.3a (Debian 12's) segfaults — every session on the socket lost — when a session is
    // created or killed while a control client is still connecting: the session notification
    // reaches a control client whose control state does not exist yet (observed: "segfault at 20",
    // 1 round in 3 with six starts at once; 0 in 20 with this gate). So commands that create or
    // end sessions, and the monitor's client until it has attached, take turns (`gate`).
    const gate = new PQueue({ concurrency: 1 });
    const run: TmuxRunner = (args) => exec(bin, ['-L', opts.socket, ...args]);
    this.run = (args) => (STRUCTURAL.has(args[0]!) ? gate.add(() => run(args)) : run(args));
    this.log = opts.log;
    this.monitor = new TmuxMonitor({ bin, socket: opts.socket, env, run, log: opts.log, gate: (task) => gate.add(task) });
  }

  async probe(): Promise<string | null> {
    const name = `${TMUX_PREFIX}probe-${process.pid}`;
    try {
      await this.ensureServer();
      await this.run(['new-session', '-d', '-s', name, 'sleep', '5']);
      await this.run(['kill-session', `-t=${name}`]);
      return null;
    } catch (err) {
      const e = err as NodeJS.ErrnoException & { stderr?: string };
      return e.code === 'ENOENT' ? 'tmux is not installed' : `tmux failed: ${(e.stderr || e.message).trim()}`;
    }
  }

  /** @throws BridgeError `PROCESS_START_FAILED` when tmux fails */
  async start(spec: ProcessSpec): Promise<ProcessHandle> {
    const session = TMUX_PREFIX + spec.name;
    const dir = path.join(this.opts.runDir, spec.name);
    try {
      await this.run(['kill-session', `-t=${session}`]).catch(() => undefined); // a leftover
      await fs.promises.rm(dir, { recursive: true, force: true });
      await fs.promises.mkdir(dir, { recursive: true, mode: 0o700 });
      await makeFifo(path.join(dir, 'in.fifo'));
      await fs.promises.writeFile(path.join(dir, 'out.ndjson'), '');
      const { env, dropped } = passableEnv(spec.env);
      if (dropped.length > 0) this.log?.warn({ dropped }, 'environment variables a shell cannot pass were left out');
      await writeEnvFile(path.join(dir, 'env'), env);
      await this.ensureServer();
      const args = [
        'new-session', '-d', '-s', session, '-x', '200', '-y', '50', '-c', spec.cwd,
        '/usr/bin/env', '-i', '/bin/sh', '-c', PANE_SCRIPT, dir, spec.command, ...spec.args,
      ];
      await this.run(args).catch(async (first: Error & { stderr?: string }) => {
        this.log?.warn({ stderr: first.stderr?.trim() }, 'tmux new-session failed; retrying once');
        await new Promise((r) => setTimeout(r, 200));
        await this.ensureServer();
        await this.run(args);
      });
    } catch (err) {
      await fs.promises.rm(path.join(dir, 'env'), { force: true }).catch(() => undefined); // the secrets, if the pane never read them
      if (err instanceof BridgeError) throw err;
      const e = err as Error & { stderr?: string };
      throw new BridgeError('PROCESS_START_FAILED', { reason: `tmux: ${(e.stderr || e.message).trim()}` }, { cause: err });
    }
    return TmuxProcess.open({ name: spec.name, session, dir, fromOffset: 0, run: this.run, monitor: this.monitor });
  }

  async attach(name: string, fromOffset: number): Promise<ProcessHandle | null> {
    const session = TMUX_PREFIX + name;
    const dir = path.join(this.opts.runDir, name);
    const alive = await this.run(['has-session', `-t=${session}`]).then(() => true, () => false);
    const files = ['in.fifo', 'out.ndjson'].every((f) => fs.existsSync(path.join(dir, f)));
    const ended = fs.existsSync(path.join(dir, 'exit'));
    if (!files || (!alive && !ended)) {
      if (alive) await this.run(['kill-session', `-t=${session}`]).catch(() => undefined);
      return null;
    }
    // Alive, or ended while the bot was away: the handle delivers the rest, then the recorded exit.
    return TmuxProcess.open({ name, session, dir, fromOffset, run: this.run, monitor: this.monitor });
  }

  async end(name: string): Promise<void> {
    await this.run(['kill-session', `-t=${TMUX_PREFIX}${name}`]).catch(() => undefined);
    await fs.promises.rm(path.join(this.opts.runDir, name), { recursive: true, force: true });
  }

  async list(): Promise<string[]> {
    const res = await this.run(['list-sessions', '-F', '#{session_name}']).catch(() => null);
    if (!res) return []; // no server running: no sessions
    return res.stdout.split('\n').filter((s) => s.startsWith(TMUX_PREFIX)).map((s) => s.slice(TMUX_PREFIX.length));
  }

  /**
   * Starts the server if needed, from a client whose argv and environment hold nothing secret (the
   * server keeps both), without the user's tmux.conf. `exit-empty off`: ending the last session must
   * not take the server down under the next new-session. `remain-on-exit off`: a pane ends when its
   * shell does. `detach-on-destroy off`: the monitor's control client moves on to another session.
   */
  private ensureServer(): Promise<void> {
    // Concurrent starts share one check (one `start-server` client instead of one per start).
    this.serverStarting ??= this.startServer().finally(() => { this.serverStarting = null; });
    return this.serverStarting;
  }

  private async startServer(): Promise<void> {
    const start = () => this.run([
      '-f', '/dev/null', 'start-server', ';',
      'set-option', '-g', 'exit-empty', 'off', ';',
      'set-option', '-g', 'remain-on-exit', 'off', ';',
      'set-option', '-g', 'detach-on-destroy', 'off',
    ]);
    // A server that is still exiting (killed a moment ago) answers "server exited unexpectedly" to
    // the client that reached its socket; the next client starts a new one (seen under CI load).
    for (let attempt = 1; ; attempt++) {
      try {
        await start();
        return;
      } catch (err) {
        if (attempt >= 3 || !/server exited unexpectedly/.test((err as { stderr?: string }).stderr ?? '')) throw err;
        await new Promise((r) => setTimeout(r, 100 * attempt));
      }
    }
  }
}
