/** The {@link ProcessHandle} of one tmux-held process: FIFO writes, output-file tail, pane polling. */
import fs from 'node:fs';
import path from 'node:path';
import { FifoWriter } from './fifo.js';
import { FileTail } from './file-tail.js';
import type { ExecResult } from './exec.js';
import type { ExitInfo, OutputLine, ProcessHandle } from './types.js';

export type TmuxRunner = (args: string[]) => Promise<ExecResult>;

interface OpenOptions {
  name: string;
  session: string;
  fifo: string;
  out: string;
  fromOffset: number;
  run: TmuxRunner;
  pollMs: number;
}

export class TmuxProcess implements ProcessHandle {
  readonly backend = 'tmux' as const;
  readonly exited: Promise<ExitInfo>;
  private resolveExit!: (info: ExitInfo) => void;
  private poll: NodeJS.Timeout | null = null;
  private done = false;

  private constructor(
    private readonly o: OpenOptions,
    private readonly stdin: FifoWriter,
    private readonly tail: FileTail,
  ) {
    this.exited = new Promise((resolve) => (this.resolveExit = resolve));
    this.poll = setInterval(() => void this.checkPane(), o.pollMs);
  }

  get name(): string {
    return this.o.name;
  }

  /** Opens the FIFO and starts tailing. */
  static async open(o: OpenOptions): Promise<TmuxProcess> {
    const fifo = await FifoWriter.open(o.fifo);
    const tail = new FileTail(o.out, o.fromOffset);
    await tail.start();
    return new TmuxProcess(o, fifo, tail);
  }

  write(line: string): Promise<void> {
    return this.stdin.writeLine(line);
  }

  lines(): AsyncIterable<OutputLine> {
    return this.tail.lines;
  }

  async signal(sig: 'SIGINT' | 'SIGTERM' | 'SIGKILL'): Promise<void> {
    const res = await this.o.run(['display-message', '-p', `-t=${this.o.session}:`, '#{pane_pid}']);
    const pid = Number(res.stdout.trim());
    if (Number.isInteger(pid) && pid > 0) process.kill(pid, sig);
  }

  async kill(): Promise<void> {
    await this.o.run(['kill-session', `-t=${this.o.session}`]).catch(() => undefined);
    await this.finish({ code: null, signal: 'SIGHUP', stderrTail: '' });
    await fs.promises.rm(path.dirname(this.o.fifo), { recursive: true, force: true });
  }

  async detach(): Promise<void> {
    if (this.poll) clearInterval(this.poll);
    await this.tail.stop();
    this.tail.lines.end();
    await this.stdin.close();
  }

  private async checkPane(): Promise<void> {
    if (this.done) return;
    const res = await this.o
      .run(['display-message', '-p', `-t=${this.o.session}:`, '#{pane_dead}|#{pane_dead_status}|#{pane_dead_signal}'])
      .catch(() => null);
    if (this.done) return;
    if (res === null) return void this.finish({ code: null, signal: null, stderrTail: '' }); // session gone
    const [dead, status, signal] = res.stdout.trim().split('|');
    if (dead !== '1') return;
    const screen = await this.o.run(['capture-pane', '-p', `-t=${this.o.session}:`]).catch(() => null);
    const stderrTail = (screen?.stdout ?? '').split('\n').filter((l) => l.trim() && !l.startsWith('Pane is dead')).slice(-20).join('\n');
    await this.o.run(['kill-session', `-t=${this.o.session}`]).catch(() => undefined);
    await this.finish({ code: status ? Number(status) : null, signal: signal || null, stderrTail });
  }

  private async finish(info: ExitInfo): Promise<void> {
    if (this.done) return;
    this.done = true;
    if (this.poll) clearInterval(this.poll);
    await this.tail.finish();
    await this.stdin.close();
    this.resolveExit(info);
  }
}
