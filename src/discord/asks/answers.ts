/**
 * The owner's answers to Claude's questions, plans and MCP forms: option buttons and menus, the
 * "Other…", "Keep planning…" and "Fill in…" modals (Discord API docs, "Receiving and Responding":
 * a modal is shown as the first response to a component interaction — callback type 9 MODAL — and
 * comes back as a MODAL_SUBMIT interaction). Owner or admin only (checked before these run, and
 * again for modal submits). An answer to something that no longer waits is refused politely.
 */
import { MessageFlags, type MessageComponentInteraction, type ModalSubmitInteraction } from 'discord.js';
import { BridgeError } from '../../core/errors.js';
import type { AskAction, BridgeSessionId } from '../../core/ids.js';
import { formContent } from '../../sessions/forms.js';
import type { Session } from '../../sessions/session.js';
import { assertMayAct } from '../access.js';
import type { BotContext } from '../context.js';
import { formModal, renderFormSettled } from '../render/form.js';
import { feedbackModal, renderPlanDecision, withPlanHeader } from '../render/plan.js';
import { otherModal, renderQuestionAnswered } from '../render/question.js';

export interface AskId { action: AskAction; sessionId: BridgeSessionId; key: string; arg: string }
/**
 * What takes the answers: a {@link Session} of this process, or — on the hub — a stand-in that
 * sends them to the session's runner (`discord/hub/asks.ts`).
 */
export type AskAnswerer = Pick<Session, 'waitingRequest' | 'answerQuestion' | 'decidePlan' | 'waitingElicitation' | 'answerElicitation'>;
type Answering = MessageComponentInteraction | ModalSubmitInteraction;

/** A modal submit: checks the session and its owner here (components are checked by their router). */
export async function handleAskModal(interaction: ModalSubmitInteraction, id: AskId, ctx: BotContext): Promise<void> {
  const session = ctx.manager.getSession(id.sessionId);
  if (!session) throw new BridgeError('SESSION_NOT_FOUND');
  assertMayAct(interaction.user.id, session.record.ownerId, ctx.policy);
  await handleAsk(interaction, id, session);
}

/**
 * Carries out a click or modal on a question, plan or form (`id.action`) for `session`, whose owner
 * or an admin the caller has checked: the answer goes to the session's loop, the message shows it.
 * @throws BridgeError when the request no longer waits or the value is refused
 */
export async function handleAsk(interaction: Answering, id: AskId, session: AskAnswerer): Promise<void> {
  const user = interaction.user.id;
  switch (id.action) {
    case 'qpick': case 'qmenu': case 'qother': case 'qtext': {
      const req = session.waitingRequest(id.key);
      const [qi, oi] = id.arg.split('.').map(Number) as [number, number | undefined];
      const q = req?.kind === 'question' ? req.questions?.[qi] : undefined;
      if (!req || !q || req.answers?.[qi]) throw new BridgeError('PERMISSION_SETTLED');
      if (id.action === 'qother') return (interaction as MessageComponentInteraction).showModal(otherModal(req, qi));
      let answer: string;
      if (id.action === 'qpick') answer = q.options[oi ?? -1]?.label ?? '';
      else if (id.action === 'qmenu' && interaction.isStringSelectMenu()) answer = interaction.values.map((v) => q.options[Number(v)]?.label ?? '').filter(Boolean).join(', ');
      else answer = interaction.isModalSubmit() ? interaction.fields.getTextInputValue('answer').trim() : '';
      if (!answer) return void (await interaction.reply({ content: 'That answer is empty.', flags: MessageFlags.Ephemeral }));
      if (!(await session.answerQuestion(id.key, qi, answer, user))) throw new BridgeError('PERMISSION_SETTLED');
      return update(interaction, renderQuestionAnswered(req, qi, answer, user));
    }
    case 'plan': case 'plantext': {
      const req = session.waitingRequest(id.key);
      if (req?.kind !== 'plan') throw new BridgeError('PERMISSION_SETTLED');
      if (id.arg === 'keep' && id.action === 'plan') return (interaction as MessageComponentInteraction).showModal(feedbackModal(req));
      const choice = id.arg === 'edits' ? 'edits' : id.arg === 'keep' ? 'keep' : 'approve';
      const feedback = interaction.isModalSubmit() ? interaction.fields.getTextInputValue('feedback') : '';
      const ok = await session.decidePlan(id.key, choice === 'edits' ? 'accept-edits' : choice === 'keep' ? 'keep-planning' : 'approve', feedback, user);
      if (!ok) throw new BridgeError('PERMISSION_SETTLED');
      return update(interaction, withPlanHeader(interaction.message?.content ?? '📋 Plan', renderPlanDecision(choice, user, feedback)));
    }
    case 'form': case 'formtext': {
      const req = session.waitingElicitation(id.key);
      if (!req) throw new BridgeError('PERMISSION_SETTLED');
      if (id.action === 'form' && id.arg === 'fill') return (interaction as MessageComponentInteraction).showModal(formModal(req));
      let content: Record<string, unknown> | undefined;
      if (interaction.isModalSubmit()) {
        const values = Object.fromEntries(req.fields.map((f, i) => [f.name, f.options
          ? interaction.fields.getStringSelectValues(String(i)) : interaction.fields.getTextInputValue(String(i))]));
        const parsed = formContent(req.fields, values);
        if (!parsed.ok) return void (await interaction.reply({ content: `⚠️ ${parsed.error} Nothing was sent; press **Fill in…** to try again.`, flags: MessageFlags.Ephemeral }));
        content = parsed.content;
      }
      const action = interaction.isModalSubmit() || id.arg === 'accept' ? 'accept' : id.arg === 'decline' ? 'decline' : 'cancel';
      if (!(await session.answerElicitation(id.key, action, content, user))) throw new BridgeError('PERMISSION_SETTLED');
      return update(interaction, renderFormSettled(interaction.message?.content ?? '', req, { action, by: 'user', userId: user }));
    }
  }
}

/** Replaces the prompt's text and drops its components (type 7 UPDATE_MESSAGE; a modal from a message may do the same). */
async function update(interaction: Answering, content: string): Promise<void> {
  if (interaction.isModalSubmit() && !interaction.isFromMessage()) {
    await interaction.reply({ content, flags: MessageFlags.Ephemeral });
    return;
  }
  await (interaction as MessageComponentInteraction).update({ content, components: [], allowedMentions: { parse: [] } });
}
