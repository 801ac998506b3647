/**
 * The process runtime contract (DESIGN.md §3): a backend starts a process and hands back a handle
 * that writes stdin lines, streams stdout lines with their byte offsets, and reports exit.
 */
import os from 'node:os';

export type BackendKind = 'tmux' | 'pty';

export interface ProcessSpec {
  /** Stable name of the process (the bridge session id); tmux names its session `cdb-<name>`. */
  name: string;
  /** Executable path. */
  command: string;
  /** argv after the executable. Passed as an array; no shell ever parses user text. */
  args: string[];
  /** Working directory (must exist). */
  cwd: string;
  /**
   * The whole environment of the process: nothing else is inherited (not the bot's, not the tmux
   * server's), except what {@link SHELL_ADDED_ENV} lists. A key that is not a shell identifier
   * (`[A-Za-z_][A-Za-z0-9_]*`) is left out (the `/bin/sh` both backends start through drops it).
   * Values never appear in any process's argv.
   */
  env: Record<string, string>;
}

/**
 * Keys a POSIX shell may add to a child's environment by itself, which a backend cannot always
 * remove: bash exports `PWD`, `SHLVL` and `_`. With dash (Debian's `/bin/sh`) the set added is empty
 * (both backends unset `PWD` before exec). Nothing secret is ever in these.
 */
export const SHELL_ADDED_ENV: readonly string[] = ['PWD', 'SHLVL', '_'];

/** One complete stdout line and the byte offset in the output stream just past its newline. */
export interface OutputLine {
  text: string;
  offset: number;
}

/**
 * How a process ended, one shape for every backend and every cause: `{ code }` when it exited by
 * itself (0–255), `{ signal }` (a name such as `'SIGKILL'`, `'SIGHUP'`, `'SIGTERM'`) when a signal
 * ended it. Tell them apart with `'code' in exit`. Under tmux, a session killed from outside or a
 * tmux server that died is `{ signal: 'SIGHUP' }` (the hang-up the pane's processes receive); a
 * status above 128 from the pane shell is read as signal `status - 128` (a shell cannot tell
 * `exit 137` from a SIGKILL).
 */
export type ExitInfo = ({ code: number } | { signal: string }) & {
  /** Last lines the process printed to its terminal (stderr), for diagnosis; may be empty. */
  stderrTail: string;
};

/** `'3'` or `'SIGKILL'`: an exit for a log line or a user message. */
export function describeExit(exit: ExitInfo): string {
  return 'code' in exit ? String(exit.code) : exit.signal;
}

const SIGNAL_NAMES = new Map<number, string>(
  Object.entries(os.constants.signals).map(([name, n]) => [n as number, name]),
);

/** Signal number → name (`9` → `'SIGKILL'`); `'SIG<n>'` for a number this OS does not name. */
export function signalName(n: number): string {
  return SIGNAL_NAMES.get(n) ?? `SIG${n}`;
}

/** A shell's `$?` → exit shape: 128+n is signal n (POSIX shells report a signalled child so). */
export function exitFromStatus(status: number): { code: number } | { signal: string } {
  if (status > 128 && status < 128 + 65) return { signal: signalName(status - 128) };
  return { code: status };
}

export interface ProcessHandle {
  readonly backend: BackendKind;
  /** The {@link ProcessSpec.name} it was started with. */
  readonly name: string;
  /** Writes one line (a `\n` is appended) to stdin. Writes are serialised. */
  write(line: string): Promise<void>;
  /** stdout, one line at a time, ending after the process exits (single consumer). */
  lines(): AsyncIterable<OutputLine>;
  /**
   * Resolves once the process has ended, for whatever reason, and every line before the end was
   * delivered to {@link lines}. Never rejects. Stays pending after {@link detach}.
   */
  readonly exited: Promise<ExitInfo>;
  /** Sends a signal to the process itself (not to a shell around it). No-op once it has exited. */
  signal(sig: 'SIGINT' | 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Ends the process and frees its resources (tmux session, FIFO, files); resolves after `exited`. */
  kill(): Promise<void>;
  /** Stops reading without ending the process (bot shutdown; tmux processes keep running). */
  detach(): Promise<void>;
}

export interface ProcessBackend {
  readonly kind: BackendKind;
  /** `null` when this backend works on this machine, else why not. */
  probe(): Promise<string | null>;
  /** @throws BridgeError `PROCESS_START_FAILED` */
  start(spec: ProcessSpec): Promise<ProcessHandle>;
  /**
   * Reattaches to a process that outlived the bot, reading stdout from `fromOffset` (bytes). A
   * process that ended while the bot was away (its exit status is on disk) is returned too: its
   * remaining lines are delivered, then `exited` resolves. `null` when there is neither a live
   * process nor a recorded end of that name (the caller resumes the conversation instead).
   */
  attach(name: string, fromOffset: number): Promise<ProcessHandle | null>;
  /** Names of the live processes this backend knows (for orphan clean-up). */
  list(): Promise<string[]>;
  /** Ends the process of that name and removes its files, if there is one. */
  end(name: string): Promise<void>;
}
