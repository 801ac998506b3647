/**
 * The todo checklist of one turn: one message of its own, posted the first time Claude's todo list
 * changes during the turn and edited in place after that. {@link TurnView} decides when (within its
 * edit budget); this only knows whether the message is behind and how to bring it up to date.
 */
import type { ShownTurn } from '../../sessions/turn.js';
import { nonceOf } from '../nonce.js';
import { checklist } from './limits.js';
import type { EditableMessage, ReplyTarget } from './target-types.js';

/** A checklist Discord keeps refusing does not take the answer's edit budget for the rest of the turn. */
const MAX_FAILURES = 3;

export class ChecklistView {
  private shown = '';
  private message: EditableMessage | null = null;
  /** Failed attempts in a row: after {@link MAX_FAILURES} the checklist is given up for this turn. */
  private failures = 0;

  constructor(private readonly target: ReplyTarget, private readonly turn: ShownTurn) {}

  /** The list changed since it was last shown (and this target can show it). */
  get behind(): boolean {
    const items = this.turn.todos;
    return items !== null && items.length > 0 && this.target.post !== undefined && this.failures < MAX_FAILURES && checklist(items) !== this.shown;
  }

  /**
   * Shows the list as it stands: posts the message (with a nonce from the turn id, so a retry
   * cannot post it twice), or edits it. @throws the Discord error
   */
  async sync(): Promise<void> {
    const content = checklist(this.turn.todos ?? []);
    const m = { content, components: [] };
    try {
      if (this.message) await this.message.edit(m);
      else this.message = await this.target.post!({ ...m, nonce: nonceOf(this.turn.id, 'todo') });
    } catch (err) {
      this.failures++;
      throw err;
    }
    this.failures = 0;
    this.shown = content;
  }
}
