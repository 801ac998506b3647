/**
 * `PtyBackend`: the fallback where tmux is missing or fails. The process runs on a node-pty
 * pseudo-terminal switched to raw mode without echo before exec (`stty raw -echo`): in canonical
 * mode a line over 4096 bytes is cut and input is echoed into stdout. stderr goes to a file so the
 * pty carries only stdout. A pty child dies with the bot; sessions are resumed with `--resume` instead.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as nodePty from 'node-pty';
import { BridgeError } from '../core/errors.js';
import { AsyncQueue } from './async-queue.js';
import { LineSplitter } from './line-splitter.js';
import type { ExitInfo, OutputLine, ProcessBackend, ProcessHandle, ProcessSpec } from './types.js';

/** Printed by the wrapper once the tty is raw; nothing is written to stdin before it. */
const READY = '__cdb_pty_ready__';
const PTY_SCRIPT = `stty raw -echo && printf '%s\\n' ${READY} && exec "$@" 2>>"$CDB_ERR"`;

export interface PtyBackendOptions {
  /** Directory for each process's `<name>/stderr.log`. */
  runDir: string;
  spawn?: typeof nodePty.spawn;
}

export class PtyBackend implements ProcessBackend {
  readonly kind = 'pty' as const;
  private readonly spawn: typeof nodePty.spawn;

  constructor(private readonly opts: PtyBackendOptions) {
    this.spawn = opts.spawn ?? nodePty.spawn;
  }

  async probe(): Promise<string | null> {
    try {
      const p = this.spawn('/bin/sh', ['-c', 'exit 0'], { cols: 80, rows: 24 });
      await new Promise<void>((resolve) => p.onExit(() => resolve()));
      return null;
    } catch (err) {
      return `node-pty failed: ${(err as Error).message}`;
    }
  }

  async start(spec: ProcessSpec): Promise<ProcessHandle> {
    const dir = path.join(this.opts.runDir, spec.name);
    await fs.promises.mkdir(dir, { recursive: true });
    const errFile = path.join(dir, 'stderr.log');
    try {
      const pty = this.spawn('/bin/sh', ['-c', PTY_SCRIPT, 'sh', spec.command, ...spec.args], {
        name: 'xterm-256color',
        cols: 200,
        rows: 50,
        cwd: spec.cwd,
        env: { ...spec.env, CDB_ERR: errFile },
      });
      return new PtyProcess(spec.name, pty, errFile);
    } catch (err) {
      throw new BridgeError('PROCESS_START_FAILED', { reason: `node-pty: ${(err as Error).message}` }, { cause: err });
    }
  }

  async attach(): Promise<ProcessHandle | null> {
    return null; // a pty child does not outlive the bot
  }

  async list(): Promise<string[]> {
    return [];
  }
}

class PtyProcess implements ProcessHandle {
  readonly backend = 'pty' as const;
  readonly exited: Promise<ExitInfo>;
  private readonly queue = new AsyncQueue<OutputLine>();
  private readonly splitter = new LineSplitter();
  private readonly ready: Promise<void>;
  private markReady!: () => void;
  private isReady = false;
  private writing: Promise<void> = Promise.resolve();

  constructor(readonly name: string, private readonly pty: nodePty.IPty, errFile: string) {
    this.ready = new Promise((resolve) => (this.markReady = resolve));
    pty.onData((data) => {
      for (const line of this.splitter.push(Buffer.from(data, 'utf8'))) {
        if (!this.isReady) {
          if (line.text === READY) {
            this.isReady = true;
            this.markReady();
          }
          continue;
        }
        this.queue.push(line);
      }
    });
    this.exited = new Promise((resolve) => {
      pty.onExit(({ exitCode, signal }) => {
        this.markReady(); // unblock writers; their writes go nowhere
        this.queue.end();
        const stderrTail = readTail(errFile);
        resolve({ code: signal ? null : exitCode, signal: signal ? `signal ${signal}` : null, stderrTail });
      });
    });
  }

  write(line: string): Promise<void> {
    const next = this.writing.then(async () => {
      await this.ready;
      this.pty.write(`${line}\n`);
    });
    this.writing = next.catch(() => undefined);
    return next;
  }

  lines(): AsyncIterable<OutputLine> {
    return this.queue;
  }

  async signal(sig: 'SIGINT' | 'SIGTERM' | 'SIGKILL'): Promise<void> {
    this.pty.kill(sig);
  }

  async kill(): Promise<void> {
    this.pty.kill('SIGTERM');
    const timer = setTimeout(() => this.pty.kill('SIGKILL'), 2000);
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
