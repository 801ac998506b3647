/**
 * The todo checklist of one turn: one message of its own, posted the first time Claude's todo list
 * changes during the turn and edited in place after that. {@link TurnView} decides when (within its
 * edit budget); this only knows whether the message is behind and how to bring it up to date.
 */
import type { Turn } from '../../sessions/turn.js';
import { nonceOf } from '../nonce.js';
import { checklist } from './limits.js';
import type { EditableMessage, ReplyTarget } from './target-types.js';

export class ChecklistView {
  private shown = '';
  private message: EditableMessage | null = null;

  constructor(private readonly target: ReplyTarget, private readonly turn: Turn) {}

  /** The list changed since it was last shown (and this target can show it). */
  get behind(): boolean {
    const items = this.turn.todos;
    return items !== null && items.length > 0 && this.target.post !== undefined && checklist(items) !== this.shown;
  }

  /**
   * Shows the list as it stands: posts the message (with a nonce from the turn id, so a retry
   * cannot post it twice), or edits it. @throws the Discord error
   */
  async sync(): Promise<void> {
    const content = checklist(this.turn.todos ?? []);
    const m = { content, components: [] };
    if (this.message) await this.message.edit(m);
    else this.message = await this.target.post!({ ...m, nonce: nonceOf(this.turn.id, 'todo') });
    this.shown = content;
  }
}
