/**
 * `TmuxBackend`: each process lives in a detached tmux session `cdb-<name>` on its own socket
 * (`tmux -L <socket>`), so it outlives the bot. Recipe (DESIGN.md §3, verified with tmux 3.3a and
 * Claude Code 2.1.330): stdin is a FIFO the pane holds open read-write (the CLI never sees EOF when
 * the bot goes away), stdout is appended to `out.ndjson` which the bot tails, stderr stays on the
 * pane's tty (redirecting all three detaches the CLI from the pane and tmux's SIGHUP kills it).
 */
import fs from 'node:fs';
import path from 'node:path';
import { BridgeError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { execFileAsync, type Exec } from './exec.js';
import { makeFifo } from './fifo.js';
import { TmuxProcess, type TmuxRunner } from './tmux-process.js';
import type { ProcessBackend, ProcessHandle, ProcessSpec } from './types.js';

export const TMUX_PREFIX = 'cdb-';
// $0 is the FIFO, "$@" the command; fd 3 keeps the FIFO open read-write for the pane's lifetime.
const PANE_SCRIPT = 'exec 3<>"$0"; exec "$@" <&3 3<&- >>"$CDB_OUT"';

export interface TmuxBackendOptions {
  /** tmux socket name (`-L`). */
  socket: string;
  /** Directory holding `<name>/in.fifo` and `<name>/out.ndjson`. */
  runDir: string;
  exec?: Exec;
  tmuxBin?: string;
  /** How often a live process's pane is checked for exit, ms. */
  pollMs?: number;
  log?: Logger;
}

export class TmuxBackend implements ProcessBackend {
  readonly kind = 'tmux' as const;
  private readonly run: TmuxRunner;
  private readonly pollMs: number;
  private readonly log: Logger | undefined;

  constructor(private readonly opts: TmuxBackendOptions) {
    const exec = opts.exec ?? execFileAsync;
    const bin = opts.tmuxBin ?? 'tmux';
    this.run = (args) => exec(bin, ['-L', opts.socket, ...args]);
    this.pollMs = opts.pollMs ?? 500;
    this.log = opts.log;
  }

  async probe(): Promise<string | null> {
    const name = `${TMUX_PREFIX}probe-${process.pid}`;
    try {
      await this.run(['new-session', '-d', '-s', name, 'sleep', '5']);
      await this.run(['kill-session', `-t=${name}`]);
      return null;
    } catch (err) {
      const e = err as NodeJS.ErrnoException & { stderr?: string };
      return e.code === 'ENOENT' ? 'tmux is not installed' : `tmux failed: ${(e.stderr || e.message).trim()}`;
    }
  }

  async start(spec: ProcessSpec): Promise<ProcessHandle> {
    const session = TMUX_PREFIX + spec.name;
    const dir = path.join(this.opts.runDir, spec.name);
    const fifo = path.join(dir, 'in.fifo');
    const out = path.join(dir, 'out.ndjson');
    try {
      await this.run(['kill-session', `-t=${session}`]).catch(() => undefined); // a dead leftover
      await fs.promises.rm(dir, { recursive: true, force: true });
      await fs.promises.mkdir(dir, { recursive: true });
      await makeFifo(fifo);
      await fs.promises.writeFile(out, '');
      const env = Object.entries(spec.env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
      const args = [
        // exit-empty off: ending the last session must not take the server down under the next
        // new-session (a dying server refuses it); the socket is ours alone.
        'start-server', ';',
        'set-option', '-g', 'exit-empty', 'off', ';',
        'set-option', '-g', 'remain-on-exit', 'on', ';',
        'new-session', '-d', '-s', session, '-x', '200', '-y', '50', '-c', spec.cwd,
        ...env, '-e', `CDB_OUT=${out}`,
        'sh', '-c', PANE_SCRIPT, fifo, spec.command, ...spec.args,
      ];
      await this.run(args).catch(async (first: Error & { stderr?: string }) => {
        this.log?.warn({ stderr: first.stderr?.trim() }, 'tmux new-session failed; retrying once');
        await new Promise((r) => setTimeout(r, 200));
        await this.run(args);
      });
    } catch (err) {
      const e = err as Error & { stderr?: string };
      throw new BridgeError('PROCESS_START_FAILED', { reason: `tmux: ${(e.stderr || e.message).trim()}` }, { cause: err });
    }
    return TmuxProcess.open({ name: spec.name, session, fifo, out, fromOffset: 0, run: this.run, pollMs: this.pollMs });
  }

  async attach(name: string, fromOffset: number): Promise<ProcessHandle | null> {
    const session = TMUX_PREFIX + name;
    const dir = path.join(this.opts.runDir, name);
    const status = await this.run(['display-message', '-p', `-t=${session}:`, '#{pane_dead}']).catch(() => null);
    if (!status || status.stdout.trim() !== '0' || !fs.existsSync(path.join(dir, 'in.fifo'))) {
      if (status) await this.run(['kill-session', `-t=${session}`]).catch(() => undefined);
      return null;
    }
    return TmuxProcess.open({
      name, session, fifo: path.join(dir, 'in.fifo'), out: path.join(dir, 'out.ndjson'), fromOffset, run: this.run, pollMs: this.pollMs,
    });
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
}
