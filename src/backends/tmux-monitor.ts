/**
 * `TmuxMonitor`: notices tmux sessions that vanish without their process writing an exit status —
 * `tmux kill-session` from outside, the tmux server dying — with no polling. ONE tmux control-mode
 * client per backend (`tmux -L <socket> -C attach-session -f no-output,ignore-size -t=<a watched
 * session>`) stays attached while any session is watched. tmux tells every control client
 * `%sessions-changed` when a session is created or destroyed, and `%exit` when the client ends
 * (the server died, or its session went with `detach-on-destroy` on). Each such event, coalesced,
 * runs ONE `list-sessions`; watched sessions missing from it are reported once to their callback.
 * The client needs no keeper session of its own: it rides on one of ours and, with
 * `detach-on-destroy off`, tmux moves it to another when that one ends; when none is left it exits,
 * and the next {@link TmuxMonitor.watch} starts a new one. Idle cost: one blocked process, no timer.
 * The client connects through the backend's gate: no session is created or killed until it has
 * attached (tmux 3.3a crashes otherwise; see `TmuxBackend`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from '../core/logger.js';
import type { ExecResult } from './exec.js';

export type TmuxRunner = (args: string[]) => Promise<ExecResult>;

interface MonitorOptions {
  bin: string;
  socket: string;
  /** Environment of the control client (the small helper environment, never the bot's). */
  env: Record<string, string>;
  run: TmuxRunner;
  log?: Logger;
  /**
   * Runs a task in turn with the backend's commands that create or end sessions: the client's
   * connection, until it has attached (tmux 3.3a crashes on a session notification to a control
   * client still connecting; see `TmuxBackend`). By default the task at once.
   */
  gate?: (task: () => Promise<void>) => Promise<void>;
}

/** Retry delay after a failed `list-sessions` or a control client that could not attach, ms. */
const RETRY_MS = 1000;
/** Longest a connecting client holds the gate when it prints nothing (it prints `%begin` on attaching), ms. */
const CONNECT_MS = 3000;

export class TmuxMonitor {
  private readonly watched = new Map<string, () => void>();
  private client: ChildProcess | null = null;
  /** A client's connection is waiting for, or holding, the gate. */
  private connecting = false;
  private running: Promise<void> | null = null;
  private again = false;
  private retry: NodeJS.Timeout | null = null;
  /** The last client ended within RETRY_MS of its start: maybe it could not attach. */
  private clientFailed = false;
  /**
   * When a client failed and the check after it found every session alive (so it was not just its
   * session ending), no new client starts before this time (ms epoch): no tight restart loop.
   */
  private holdUntil = 0;

  constructor(private readonly o: MonitorOptions) {}

  /**
   * Calls `onVanished` once when tmux session `session` no longer exists (checked once right away,
   * then on every change tmux reports). Returns the function that stops watching it.
   */
  watch(session: string, onVanished: () => void): () => void {
    this.watched.set(session, onVanished);
    this.ensureClient();
    this.reconcile(); // it may have gone before it was watched: no later event would say so
    return () => {
      if (this.watched.get(session) === onVanished) this.watched.delete(session);
      if (this.watched.size === 0) this.stopClient();
    };
  }

  /** Watched session names (for tests and diagnostics). */
  get size(): number {
    return this.watched.size;
  }

  private ensureClient(): void {
    if (this.client || this.connecting || this.watched.size === 0) return;
    if (Date.now() < this.holdUntil) return this.retryLater();
    this.connecting = true;
    const gate = this.o.gate ?? ((task) => task());
    void gate(() => this.connect()).catch((err: unknown) => this.o.log?.warn({ err }, 'tmux control client failed')).finally(() => {
      this.connecting = false;
      if (this.watched.size === 0) this.stopClient(); // everything stopped being watched meanwhile
    });
  }

  /** Starts the control client; resolves once it has attached (its first output), ended, or after {@link CONNECT_MS}. */
  private connect(): Promise<void> {
    if (this.client || this.watched.size === 0) return Promise.resolve();
    const target = this.watched.keys().next().value as string;
    const child = spawn(this.o.bin, ['-L', this.o.socket, '-C', 'attach-session', '-f', 'no-output,ignore-size', `-t=${target}`], {
      env: this.o.env,
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    this.client = child;
    const startedAt = Date.now();
    child.unref(); // watching never keeps the bot alive by itself
    let buffered = '';
    let attached = false;
    let connected!: () => void;
    const connecting = new Promise<void>((resolve) => { connected = resolve; });
    const timer = setTimeout(() => connected(), CONNECT_MS).unref();
    void connecting.then(() => clearTimeout(timer));
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      if (!attached) {
        attached = true;
        connected();
        this.reconcile(); // anything that ended while no client was listening
      }
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      if (lines.some((l) => l.startsWith('%sessions-changed') || l.startsWith('%exit'))) this.reconcile();
    });
    child.on('error', (err) => this.o.log?.warn({ err }, 'tmux control client failed'));
    child.on('close', () => {
      connected();
      if (this.client !== child) return; // stopped on purpose
      this.client = null;
      this.clientFailed = Date.now() - startedAt < RETRY_MS; // check() decides whether to hold
      this.reconcile(); // then a new client, if anything is still watched
    });
    (child.stdout as unknown as { unref?: () => void }).unref?.();
    (child.stdin as unknown as { unref?: () => void }).unref?.();
    return connecting;
  }

  private stopClient(): void {
    const child = this.client;
    this.client = null;
    this.clientFailed = false;
    child?.stdin?.end(); // a control client detaches when its input ends
  }

  /** Runs one `list-sessions` (or queues one more after the running one) and reports the vanished. */
  private reconcile(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.check().finally(() => {
      this.running = null;
      if (this.again) {
        this.again = false;
        this.reconcile();
      } else this.ensureClient();
    });
  }

  private async check(): Promise<void> {
    // Only a failure seen before this listing was taken can be judged by it.
    const clientFailed = this.clientFailed;
    this.clientFailed = false;
    if (this.watched.size === 0) return;
    // Judged: the sessions watched before the listing was asked for. One watched while it is under
    // way may be missing from it only because it did not exist yet (a start racing a listing asked
    // for another's); watch() queued the next listing, which judges it.
    const judged = [...this.watched];
    let alive: Set<string>;
    try {
      const res = await this.o.run(['list-sessions', '-F', '#{session_name}']);
      alive = new Set(res.stdout.split('\n').filter(Boolean));
    } catch (err) {
      const stderr = String((err as { stderr?: string }).stderr ?? '');
      if (!/no server running|error connecting|server exited/i.test(stderr)) {
        this.clientFailed ||= clientFailed;
        this.o.log?.warn({ stderr: stderr.trim() }, 'tmux list-sessions failed; retrying');
        this.retryLater();
        return;
      }
      alive = new Set(); // no server: every session is gone
    }
    let vanished = 0;
    for (const [session, onVanished] of judged) {
      if (alive.has(session) || this.watched.get(session) !== onVanished) continue;
      this.watched.delete(session);
      vanished++;
      onVanished();
    }
    if (clientFailed && vanished === 0 && this.watched.size > 0) this.holdUntil = Date.now() + RETRY_MS;
    if (this.watched.size === 0) this.stopClient();
  }

  private retryLater(): void {
    if (this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = null;
      this.reconcile();
    }, RETRY_MS);
    this.retry.unref();
  }
}
