/**
 * `Mailbox`: a session's one serial loop (DESIGN.md §2; the per-portal event loop of mautrix
 * bridgev2 `portal.go` is the model). Inputs are handled one at a time, in the order they were
 * posted; a handler runs to completion before the next input is looked at. A handler may await
 * short I/O (a write to the process, starting one) but must never await anything that needs a later
 * input of the same mailbox (a turn's end, a process exit): that would deadlock the loop.
 */
import type { Logger } from '../core/logger.js';

export class Mailbox<In, Out> {
  private tail: Promise<unknown> = Promise.resolve();
  private depth = 0;

  /** `drained`: called whenever the last posted input has been handled (nothing waits now). */
  constructor(
    private readonly handle: (input: In) => Promise<Out> | Out,
    private readonly log: Logger,
    private readonly drained: () => void = () => undefined,
  ) {}

  /**
   * Queues `input`; resolves with its handler's result once every earlier input was handled.
   * @throws whatever the handler throws (also logged); the loop goes on with the next input.
   */
  post(input: In): Promise<Out> {
    this.depth++;
    const run = this.tail.then(() => this.handle(input));
    this.tail = run.then(
      () => this.done(),
      (err: unknown) => {
        this.log.error({ err, input: describe(input) }, 'session input failed');
        this.done();
      },
    );
    return run;
  }

  private done(): void {
    if (--this.depth === 0) this.drained();
  }

  /** Inputs posted and not yet handled (the one being handled included). */
  get size(): number {
    return this.depth;
  }

  /** Resolves once every input posted so far has been handled. */
  idle(): Promise<void> {
    return this.tail.then(() => undefined);
  }
}

function describe(input: unknown): unknown {
  return input && typeof input === 'object' && 'type' in input ? (input as { type: unknown }).type : typeof input;
}
