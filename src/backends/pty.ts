/**
 * `PtyBackend`: the fallback where tmux is missing or fails. The process's stdout is a node-pty
 * pseudo-terminal put in raw mode without echo before exec (`stty raw -echo`: no `\r\n` rewriting,
 * nothing typed echoed back); stdin is a FIFO, as under tmux, because Claude Code 2.1.330 in `-p`
 * mode refuses a terminal on stdin ("Input must be provided either through stdin…"); stderr goes to
 * a file so the pty carries only stdout. A pty child dies with the bot: sessions resume with `--resume`.
 *
 * Environment: node-pty is given exactly `spec.env` (the FIFO and stderr paths travel as positional
 * parameters), and the script unsets the `PWD`/`TERM` node-pty adds unless `spec.env` has them.
 * Exit: node-pty reports the exec'd child's own status or signal number, normalized to {@link ExitInfo}.
 */
import fs from 'node:fs';
import path from 'node:path';
import type * as nodePty from 'node-pty';
import { BridgeError } from '../core/errors.js';
import { AsyncQueue } from './async-queue.js';
import { FifoWriter, makeFifo } from './fifo.js';
import { LineSplitter } from './line-splitter.js';
import { passableEnv } from './env-file.js';
import { signalName, type ExitInfo, type OutputLine, type ProcessBackend, type ProcessHandle, type ProcessSpec } from './types.js';

/**
 * Run as `/bin/sh -c PTY_SCRIPT <fifo> <stderr file> <keys to unset> <command> <args…>`: a fixed
 * string, user data only in positional parameters. `$2` is a space-separated list of fixed
 * identifiers (from {@link PTY_ADDED_ENV}), word-split on purpose.
 */
const PTY_SCRIPT = 'unset $2; command -p stty raw -echo && exec 3<>"$0" && f=$1 && shift 2 && exec "$@" <&3 3<&- 2>>"$f"';
/** What node-pty adds to the environment it is given (node-pty 1.x: `PWD` = cwd, `TERM` = name). */
const PTY_ADDED_ENV = ['PWD', 'TERM'];

export interface PtyBackendOptions {
  /** Directory for each process's `<name>/in.fifo` and `<name>/stderr.log`. */
  runDir: string;
  spawn?: typeof nodePty.spawn;
}

export class PtyBackend implements ProcessBackend {
  readonly kind = 'pty' as const;
  constructor(private readonly opts: PtyBackendOptions) {}

  /** node-pty is loaded on first use: a bot on tmux never loads the native module. */
  private async spawner(): Promise<typeof nodePty.spawn> {
    return this.opts.spawn ?? (await import('node-pty')).spawn;
  }

  async probe(): Promise<string | null> {
    try {
      const p = (await this.spawner())('/bin/sh', ['-c', 'exit 0'], { cols: 80, rows: 24, env: {} });
      await new Promise<void>((resolve) => p.onExit(() => resolve()));
      return null;
    } catch (err) {
      return `node-pty failed: ${(err as Error).message}`;
    }
  }

  async start(spec: ProcessSpec): Promise<ProcessHandle> {
    const dir = path.join(this.opts.runDir, spec.name);
    const fifo = path.join(dir, 'in.fifo');
    const errFile = path.join(dir, 'stderr.log');
    try {
      await fs.promises.rm(dir, { recursive: true, force: true });
      await fs.promises.mkdir(dir, { recursive: true });
      await makeFifo(fifo);
      const { env } = passableEnv(spec.env); // as under tmux: what /bin/sh would drop is left out
      const unset = PTY_ADDED_ENV.filter((k) => !(k in env)).join(' ');
      const stdin = await FifoWriter.open(fifo);
      const pty = (await this.spawner())('/bin/sh', ['-c', PTY_SCRIPT, fifo, errFile, unset, spec.command, ...spec.args], {
        name: env.TERM ?? 'xterm-256color',
        cols: 200,
        rows: 50,
        cwd: spec.cwd,
        env,
      });
      return new PtyProcess(spec.name, pty, stdin, dir, errFile);
    } catch (err) {
      if (err instanceof BridgeError) throw err;
      throw new BridgeError('PROCESS_START_FAILED', { reason: `node-pty: ${(err as Error).message}` }, { cause: err });
    }
  }

  async attach(): Promise<ProcessHandle | null> {
    return null; // a pty child does not outlive the bot
  }

  async list(): Promise<string[]> {
    return [];
  }

  async end(): Promise<void> {
    // pty children of an earlier bot process died with it
  }
}

class PtyProcess implements ProcessHandle {
  readonly backend = 'pty' as const;
  readonly exited: Promise<ExitInfo>;
  private readonly queue = new AsyncQueue<OutputLine>();
  private readonly splitter = new LineSplitter();
  private ended = false;
  private lastDataAt = Date.now();

  constructor(readonly name: string, private readonly pty: nodePty.IPty, private readonly stdin: FifoWriter, dir: string, errFile: string) {
    pty.onData((data) => {
      this.lastDataAt = Date.now();
      for (const line of this.splitter.push(Buffer.from(data, 'utf8'))) this.queue.push(line);
    });
    this.exited = new Promise((resolve) => {
      pty.onExit(async ({ exitCode, signal }) => {
        this.ended = true;
        await this.quiet();
        this.queue.end();
        const stderrTail = readTail(errFile);
        void this.stdin.close().then(() => fs.promises.rm(dir, { recursive: true, force: true }));
        resolve(signal ? { signal: signalName(signal), stderrTail } : { code: exitCode, stderrTail });
      });
    });
  }

  /**
   * node-pty can deliver output after `onExit` (microsoft/node-pty#72): the last lines — a `result`
   * among them — must not be lost, so the stream ends once the pty has been quiet for 50 ms (1 s at most).
   */
  private async quiet(): Promise<void> {
    const giveUpAt = Date.now() + 1000;
    const pause = () => new Promise((r) => setTimeout(r, 10));
    do await pause(); while (Date.now() - this.lastDataAt < 50 && Date.now() < giveUpAt);
  }

  write(line: string): Promise<void> {
    return this.stdin.writeLine(line);
  }

  lines(): AsyncIterable<OutputLine> {
    return this.queue;
  }

  async signal(sig: 'SIGINT' | 'SIGTERM' | 'SIGKILL'): Promise<void> {
    if (this.ended) return; // the pid may be reused
    this.pty.kill(sig);
  }

  async kill(): Promise<void> {
    if (!this.ended) this.pty.kill('SIGTERM');
    const timer = setTimeout(() => !this.ended && this.pty.kill('SIGKILL'), 2000);
    await this.exited;
    clearTimeout(timer);
  }

  async detach(): Promise<void> {
    await this.kill(); // cannot outlive the bot
  }
}

function readTail(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-20).join('\n').trim();
  } catch {
    return '';
  }
}
