/**
 * The process runtime contract (DESIGN.md §3): a backend starts a process and hands back a handle
 * that writes stdin lines, streams stdout lines with their byte offsets, and reports exit.
 */

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
  /** The whole environment of the process. */
  env: Record<string, string>;
}

/** One complete stdout line and the byte offset in the output stream just past its newline. */
export interface OutputLine {
  text: string;
  offset: number;
}

export interface ExitInfo {
  /** Exit status, or `null` when killed by a signal or not known. */
  code: number | null;
  signal: string | null;
  /** Last lines the process printed to its terminal (stderr), for diagnosis; may be empty. */
  stderrTail: string;
}

export interface ProcessHandle {
  readonly backend: BackendKind;
  /** The {@link ProcessSpec.name} it was started with. */
  readonly name: string;
  /** Writes one line (a `\n` is appended) to stdin. Writes are serialised. */
  write(line: string): Promise<void>;
  /** stdout, one line at a time, ending after the process exits (single consumer). */
  lines(): AsyncIterable<OutputLine>;
  /** Resolves once the process has exited and every line before the exit was delivered. */
  readonly exited: Promise<ExitInfo>;
  /** Sends a signal to the process itself. */
  signal(sig: 'SIGINT' | 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Ends the process and frees its resources (tmux session, FIFO, files). */
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
   * Reattaches to a process that outlived the bot, reading stdout from `fromOffset` (bytes).
   * `null` when there is no live process of that name (the caller resumes the conversation instead).
   */
  attach(name: string, fromOffset: number): Promise<ProcessHandle | null>;
  /** Names of the live processes this backend knows (for orphan clean-up). */
  list(): Promise<string[]>;
  /** Ends the process of that name and removes its files, if there is one. */
  end(name: string): Promise<void>;
}
