/**
 * A prompt from a slash command: the `prompt` option (Discord caps string options at 6000 chars)
 * and the `file` option: a text file (its text follows the prompt; checked to be UTF-8), an image
 * (PNG, JPEG, GIF, WebP, by its bytes: sent as an image block), or any other file up to 25 MiB
 * (saved under the session's directory, its path given to Claude) — see `attachments/intake.ts`.
 * Text reaches Claude verbatim: control characters, tmux key names and Markdown included.
 */
import { MessageFlags, type ChatInputCommandInteraction } from 'discord.js';
import type { ImageBlock } from '../../claude/input.js';
import { BridgeError } from '../../core/errors.js';
import { composePrompt, precheck, refusalText, takeAttachments, type Refusal } from '../attachments/intake.js';
import { whenDeferred } from './answer.js';

/** What a command's options become once its file is taken. */
export interface PromptInput {
  text: string;
  images: ImageBlock[];
  /** Files not sent to Claude, with the reason (told to the user privately). */
  refused: Refusal[];
}

/**
 * Checks the options at once (before deferring, so a refusal is ephemeral) and returns how to get
 * the whole prompt (after deferring: downloading may take longer than Discord's 3 s), given the
 * session's directory (where other files are saved).
 * @throws BridgeError `PROMPT_EMPTY`, `ATTACHMENT_REFUSED` (no text, and the file is refused by its size)
 */
export function promptSource(interaction: ChatInputCommandInteraction, required = true): ((cwd: string) => Promise<PromptInput>) | null {
  const typed = interaction.options.getString('prompt') ?? '';
  const file = interaction.options.getAttachment('file');
  const early = file ? precheck(file) : null;
  if (file && early && !typed.trim()) throw new BridgeError('ATTACHMENT_REFUSED', { name: file.name.slice(0, 100), reason: early });
  if (!typed.trim() && !file) {
    if (required) throw new BridgeError('PROMPT_EMPTY');
    return null;
  }
  return async (cwd) => {
    const intake = await takeAttachments(file ? [file] : [], { cwd, messageId: interaction.id });
    const text = composePrompt(typed, intake);
    if (!text.trim() && intake.images.length === 0) {
      const first = intake.refused[0];
      if (first) throw new BridgeError('ATTACHMENT_REFUSED', first);
      throw new BridgeError('PROMPT_EMPTY');
    }
    return { text, images: intake.images, refused: intake.refused };
  };
}

/**
 * Runs `getPrompt` after the public deferral; when it ends in a refusal of what the user sent (its
 * only file refused, nothing else left), the public "thinking…" reply is deleted and the refusal
 * goes to the user alone. `null` then: nothing is sent to Claude.
 * @throws anything else `getPrompt` throws
 */
export async function promptOrRefuse(interaction: ChatInputCommandInteraction, getPrompt: () => Promise<PromptInput>): Promise<PromptInput | null> {
  try {
    return await getPrompt();
  } catch (err) {
    if (!(err instanceof BridgeError) || (err.code !== 'ATTACHMENT_REFUSED' && err.code !== 'PROMPT_EMPTY')) throw err;
    await whenDeferred(interaction);
    await interaction.deleteReply().catch(() => undefined);
    await interaction.followUp({ content: err.userMessage, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
    return null;
  }
}

/** Tells the user privately which files were not sent and why (after the prompt was taken). */
export async function tellRefused(interaction: ChatInputCommandInteraction, refused: readonly Refusal[]): Promise<void> {
  if (refused.length === 0) return;
  await interaction.followUp({ content: refusalText(refused), flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
}

/** A prompt's text as shown back to the user, its images counted. */
export function promptShown(p: Pick<PromptInput, 'text' | 'images'>): string {
  const n = p.images.length;
  return [p.text, n > 0 ? `🖼️ ${n} image${n === 1 ? '' : 's'}` : ''].filter(Boolean).join('\n');
}
