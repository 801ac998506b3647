/**
 * Steering: messages written into a running turn. Claude Code takes such a message at its next
 * step: while a tool runs it is folded into the running turn (the model sees it as "The user sent a
 * new message while you were working"); while the final text streams it waits, and the CLI answers
 * it — together with any other waiting ones, joined by newlines — as a turn of its own right after
 * the running one. With `--replay-user-messages` the CLI echoes each message (`isReplay: true`,
 * our `uuid`) when it takes it; that echo tells the two cases apart. Measured on Claude Code 2.1.330.
 */
import { randomUUID } from 'node:crypto';
import type { KnownMessage } from '../claude/stream-json.js';
import type { SteerMark, Turn } from './turn.js';

/** One steering message, from writing until the CLI took it. */
export interface Steer {
  /** uuid the message was written with (echoed back by the CLI). */
  readonly uuid: string;
  readonly text: string;
  /** The turn that was running when it was written. */
  readonly into: Turn;
  /** The accepted message itself (stored): answered as a turn of its own if the process never takes it. */
  readonly message: Turn;
  /** Where the transport shows an answer of its own (opaque JSON), if it gets one. */
  readonly replyRef: string | null;
  /** What the running turn shows of it. */
  readonly mark: SteerMark;
}

/** The uuid of a user message the CLI echoed back as taken, else `null`. */
export function replayedUuid(msg: KnownMessage): string | null {
  if (msg.type !== 'user' || !(msg as { isReplay?: boolean }).isReplay) return null;
  return typeof msg.uuid === 'string' ? msg.uuid : null;
}

/** Tracks steering messages a session has written and not yet seen taken. */
export class SteerBook {
  private readonly waiting = new Map<string, Steer>();

  /** Records `message` about to be written into `into`; returns it with its uuid (fresh unless given: a restore). */
  add(into: Turn, message: Turn, uuid: string = randomUUID()): Steer {
    const text = message.prompt;
    const steer: Steer = { uuid, text, into, message, replyRef: message.replyRef, mark: { text, state: 'sent' } };
    this.waiting.set(steer.uuid, steer);
    return steer;
  }

  /**
   * An output line: when it is the echo of a waiting steer that is taken while its turn still runs,
   * the steer was folded into that turn, and is returned.
   */
  onMessage(msg: KnownMessage): Steer | null {
    const uuid = replayedUuid(msg);
    const steer = uuid ? this.waiting.get(uuid) : undefined;
    if (!steer || steer.into.isEnded) return null;
    this.waiting.delete(steer.uuid);
    return steer;
  }

  /** `turn` ended: its steers not yet taken, oldest first (the CLI answers them next, as one turn). */
  leftOver(turn: Turn): Steer[] {
    const left = [...this.waiting.values()].filter((s) => s.into === turn);
    for (const s of left) this.waiting.delete(s.uuid);
    return left;
  }

  /** Forgets one steer (it never reached the process). */
  forget(steer: Steer): void {
    this.waiting.delete(steer.uuid);
  }

  /** The process is gone: every steer still waiting, forgotten here. */
  dropAll(): Steer[] {
    const all = [...this.waiting.values()];
    this.waiting.clear();
    return all;
  }
}
