/**
 * The {@link ProcessHandle} of one tmux-held process. Everything is event-driven, nothing polls:
 * one `fs.watch` (inotify) on the process's run dir says when `out.ndjson` grew (→ read it) and when
 * `exit` appeared (the pane script renames it into place after the child ended); the backend's
 * {@link TmuxMonitor} says when the tmux session vanished without an exit status (killed from
 * outside, server died). Run dir files: `in.fifo`, `out.ndjson`, `pid` (the child's pid), `exit`
 * (its `$?`), and briefly `env` (see env-file.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { FifoWriter } from './fifo.js';
import { FileTail } from './file-tail.js';
import type { TmuxMonitor, TmuxRunner } from './tmux-monitor.js';
import { exitFromStatus, type ExitInfo, type OutputLine, type ProcessHandle } from './types.js';

export interface TmuxProcessOptions {
  name: string;
  /** tmux session name, `cdb-<name>`. */
  session: string;
  /** The process's run dir. */
  dir: string;
  fromOffset: number;
  run: TmuxRunner;
  monitor: TmuxMonitor;
}

/** Reads `<dir>/exit`: the child's exit shape, or `null` while it has not ended. */
export async function readExitFile(dir: string): Promise<ReturnType<typeof exitFromStatus> | null> {
  const text = await fs.promises.readFile(path.join(dir, 'exit'), 'utf8').catch(() => null);
  const status = text === null ? NaN : Number.parseInt(text.trim(), 10);
  return Number.isInteger(status) ? exitFromStatus(status) : null;
}

export class TmuxProcess implements ProcessHandle {
  readonly backend = 'tmux' as const;
  readonly exited: Promise<ExitInfo>;
  private resolveExit!: (info: ExitInfo) => void;
  private watcher: fs.FSWatcher | null = null;
  private unwatch: (() => void) | null = null;
  /** Set once the end is being reported (or the handle detached): later events are ignored. */
  private done = false;

  private constructor(private readonly o: TmuxProcessOptions, private readonly stdin: FifoWriter, private readonly tail: FileTail) {
    this.exited = new Promise((resolve) => (this.resolveExit = resolve));
  }

  get name(): string {
    return this.o.name;
  }

  /** Opens the FIFO, starts tailing and watching; reports at once an end already on disk. */
  static async open(o: TmuxProcessOptions): Promise<TmuxProcess> {
    const stdin = await FifoWriter.open(path.join(o.dir, 'in.fifo'));
    const tail = new FileTail(path.join(o.dir, 'out.ndjson'), o.fromOffset);
    const p = new TmuxProcess(o, stdin, tail);
    try {
      // Watch first, then read: nothing written in between is missed.
      p.watcher = fs.watch(o.dir, (_event, file) => p.onDirEvent(file));
      p.watcher.on('error', () => undefined); // the dir went away: the exit or the monitor reports the end
      await tail.start();
    } catch (err) {
      p.stopWatching();
      await stdin.close();
      throw err;
    }
    p.unwatch = o.monitor.watch(o.session, () => void p.onVanished());
    void p.checkExitFile();
    return p;
  }

  write(line: string): Promise<void> {
    return this.stdin.writeLine(line);
  }

  lines(): AsyncIterable<OutputLine> {
    return this.tail.lines;
  }

  async signal(sig: 'SIGINT' | 'SIGTERM' | 'SIGKILL'): Promise<void> {
    const pid = await this.childPid();
    if (pid === null || this.done || (await readExitFile(this.o.dir))) return; // ended: the pid may be reused
    try {
      process.kill(pid, sig);
    } catch {
      // it ended in between
    }
  }

  async kill(): Promise<void> {
    await this.o.run(['kill-session', `-t=${this.o.session}`]).catch(() => undefined);
    // An exit status already on disk is the truth; else the session's end hung up the process.
    await this.finish((await readExitFile(this.o.dir)) ?? { signal: 'SIGHUP' }, false);
    await this.exited;
    await fs.promises.rm(this.o.dir, { recursive: true, force: true });
  }

  async detach(): Promise<void> {
    if (this.done) return;
    this.done = true;
    this.stopWatching();
    await this.tail.stop();
    this.tail.lines.end();
    await this.stdin.close();
  }

  private onDirEvent(file: string | Buffer | null): void {
    const name = file?.toString();
    if (name === undefined || name === 'out.ndjson') this.tail.kick();
    if (name === undefined || name === 'exit') void this.checkExitFile();
  }

  private async checkExitFile(): Promise<void> {
    if (this.done) return;
    const status = await readExitFile(this.o.dir);
    if (status) await this.finish(status, true);
  }

  /** The session is gone: an exit status written just before wins; else it was hung up. */
  private async onVanished(): Promise<void> {
    this.unwatch = null; // the monitor already forgot it
    await this.finish((await readExitFile(this.o.dir)) ?? { signal: 'SIGHUP' }, false);
  }

  /**
   * Reports the end once: every line first, then `exited`. With `fromPane`, the pane is still there
   * (its shell waits after writing `exit`): its screen is the stderr tail, then the session is ended.
   */
  private async finish(status: ReturnType<typeof exitFromStatus>, fromPane: boolean): Promise<void> {
    if (this.done) return;
    this.done = true;
    this.stopWatching();
    let stderrTail = '';
    if (fromPane) {
      stderrTail = await this.screenTail();
      if (!stderrTail) stderrTail = await new Promise((r) => setTimeout(r, 100)).then(() => this.screenTail()); // tmux may not have read the pty yet
      await this.o.run(['kill-session', `-t=${this.o.session}`]).catch(() => undefined);
    }
    await this.tail.finish();
    await this.stdin.close();
    this.resolveExit({ ...status, stderrTail });
  }

  /** The last 20 non-empty lines on the pane's screen: what the child wrote to stderr. */
  private async screenTail(): Promise<string> {
    const screen = await this.o.run(['capture-pane', '-p', '-J', `-t=${this.o.session}:`]).catch(() => null);
    return (screen?.stdout ?? '').split('\n').filter((l) => l.trim()).slice(-20).join('\n');
  }

  private stopWatching(): void {
    this.watcher?.close();
    this.watcher = null;
    this.unwatch?.();
    this.unwatch = null;
  }

  /** The child's pid from `<dir>/pid` (written just before exec); waits briefly right after start. */
  private async childPid(): Promise<number | null> {
    for (let i = 0; i < 40 && !this.done; i++) {
      const text = await fs.promises.readFile(path.join(this.o.dir, 'pid'), 'utf8').catch(() => '');
      const pid = Number.parseInt(text.trim(), 10);
      if (Number.isInteger(pid) && pid > 0) return pid;
      await new Promise((r) => setTimeout(r, 50));
    }
    return null;
  }
}
