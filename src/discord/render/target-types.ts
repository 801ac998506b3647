/** What a {@link TurnView} draws and where: a rendered message, and the places that take it. */
import type { OutFile } from './activity.js';
import type { ButtonRow } from './components.js';

export interface RenderedMessage {
  content: string;
  components: ButtonRow[];
  files?: OutFile[];
  /**
   * Set on final messages after the first: the same for every attempt at one message, so a target
   * that can (channel messages: Discord's `nonce` + `enforce_nonce`) never creates it twice.
   */
  nonce?: string;
}

/** A message posted apart from the answer, edited in place later (the todo checklist). */
export interface EditableMessage {
  edit(message: RenderedMessage): Promise<void>;
}

/** Where a turn is shown: one message edited in place, and messages after it. */
export interface ReplyTarget {
  edit(message: RenderedMessage): Promise<void>;
  followUp(message: RenderedMessage): Promise<void>;
  /** Posts a message of its own that can be edited later (with `nonce`: at most once). */
  post?(message: RenderedMessage): Promise<EditableMessage>;
  /** Shows "<bot> is typing…" for ~10 s (Discord: Trigger Typing Indicator). */
  typing?(): Promise<void>;
}
