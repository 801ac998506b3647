/**
 * A prompt from a slash command: the `prompt` option (Discord caps string options at 6000 chars),
 * a text file in the `file` option for longer ones, or both (the file's text follows). Text reaches
 * Claude verbatim: control characters, tmux key names and Markdown included.
 */
import type { Attachment, ChatInputCommandInteraction } from 'discord.js';
import { BridgeError } from '../../core/errors.js';

/** Largest prompt file taken, bytes. */
export const PROMPT_FILE_LIMIT = 512 * 1024;
const TEXT_FILE = /\.(txt|md|markdown|text)$/i;

/** Whether an attachment can be a prompt: a text file (by name or content type) within the limit. */
export function isPromptFile(a: Pick<Attachment, 'name' | 'size' | 'contentType'>): boolean {
  const texty = TEXT_FILE.test(a.name) || (a.contentType ?? '').startsWith('text/');
  return texty && a.size <= PROMPT_FILE_LIMIT;
}

/** Downloads a prompt file's text (UTF-8). @throws Error on a failed download */
export async function readPromptFile(a: Pick<Attachment, 'url'>): Promise<string> {
  const res = await fetch(a.url);
  if (!res.ok) throw new Error(`prompt file download failed: HTTP ${res.status}`);
  const data = Buffer.from(await res.arrayBuffer());
  return data.subarray(0, PROMPT_FILE_LIMIT).toString('utf8');
}

/**
 * Checks the options at once (before deferring, so a refusal is ephemeral) and returns how to get
 * the whole prompt (after deferring: downloading may take longer than Discord's 3 s).
 * @throws BridgeError `PROMPT_EMPTY`, `PROMPT_FILE_INVALID`
 */
export function promptSource(interaction: ChatInputCommandInteraction, required = true): (() => Promise<string>) | null {
  const text = interaction.options.getString('prompt') ?? '';
  const file = interaction.options.getAttachment('file');
  if (file && !isPromptFile(file)) throw new BridgeError('PROMPT_FILE_INVALID', { name: file.name.slice(0, 100), limit: `${PROMPT_FILE_LIMIT / 1024} KiB` });
  if (!text.trim() && !file) {
    if (required) throw new BridgeError('PROMPT_EMPTY');
    return null;
  }
  return async () => {
    const fromFile = file ? await readPromptFile(file) : '';
    const prompt = [text, fromFile].filter((s) => s.trim() !== '').join('\n\n');
    if (!prompt.trim()) throw new BridgeError('PROMPT_EMPTY');
    return prompt;
  };
}
