/**
 * What a message's attachments become (issue 11, "Attachments in"): images (PNG, JPEG, GIF, WebP by
 * their bytes; ≤ 5 MiB, ≤ 4 a message) → image blocks of the prompt; text files (checked to be
 * UTF-8) → the prompt's text; any other file up to 25 MiB → saved under the session's directory
 * (`.claude-bridge/uploads/<message id>/<name>`) with its path in the prompt. Anything else is
 * refused with a reason the user is shown. All of it happens before the message is accepted, so an
 * accepted message carries everything it needs (the durable inbox).
 */
import type { ImageBlock } from '../../claude/input.js';
import { formatBytes, saveUpload } from '../../sessions/session-files.js';
import { downloadCapped, TooLargeError } from './download.js';
import {
  claimsImage, claimsText, FILE_MAX_BYTES, IMAGE_MAX_BYTES, IMAGES_PER_MESSAGE, isUtf8Text, sniffImage, TEXT_INLINE_MAX_BYTES,
} from './kind.js';

/** The fields of Discord's attachment object used here (discord.js `Attachment`). */
export interface AttachmentLike {
  name: string;
  /** Bytes, as Discord reports it. */
  size: number;
  url: string;
  contentType: string | null;
}

export interface Refusal { name: string; reason: string }

export interface Intake {
  /** Text files' contents, in order. */
  texts: string[];
  images: ImageBlock[];
  /** Files saved under the session's directory: absolute paths. */
  saved: Array<{ name: string; path: string; size: number }>;
  refused: Refusal[];
}

/** The refusal Discord's own numbers already decide (before anything is downloaded), else `null`. */
export function precheck(a: AttachmentLike): string | null {
  if (a.size > FILE_MAX_BYTES) return `it is ${formatBytes(a.size)}; files are taken up to ${formatBytes(FILE_MAX_BYTES)}`;
  if (claimsImage(a) && a.size > IMAGE_MAX_BYTES) return `it is ${formatBytes(a.size)}; images are taken up to ${formatBytes(IMAGE_MAX_BYTES)}`;
  return null;
}

/**
 * Downloads and sorts the attachments, one at a time (memory stays within one file's cap).
 * @param where the session's directory and the id of the message (or interaction) they came with
 * @throws Error only when saving a file fails for another reason than the file itself (the disk)
 */
export async function takeAttachments(list: readonly AttachmentLike[], where: { cwd: string; messageId: string }, fetchImpl: typeof fetch = fetch): Promise<Intake> {
  const intake: Intake = { texts: [], images: [], saved: [], refused: [] };
  const names = new Set<string>();
  const refuse = (name: string, reason: string) => intake.refused.push({ name: name.slice(0, 100), reason });
  for (const a of list) {
    const early = precheck(a);
    if (early) { refuse(a.name, early); continue; }
    const cap = claimsImage(a) ? IMAGE_MAX_BYTES : FILE_MAX_BYTES;
    let data: Buffer;
    try {
      data = await downloadCapped(a.url, cap, fetchImpl);
    } catch (err) {
      refuse(a.name, err instanceof TooLargeError ? `it is larger than ${formatBytes(cap)}` : 'it could not be downloaded from Discord');
      continue;
    }
    const image = sniffImage(data);
    if (image) {
      if (data.length > IMAGE_MAX_BYTES) refuse(a.name, `it is ${formatBytes(data.length)}; images are taken up to ${formatBytes(IMAGE_MAX_BYTES)}`);
      else if (intake.images.length >= IMAGES_PER_MESSAGE) refuse(a.name, `at most ${IMAGES_PER_MESSAGE} images go with one message`);
      else intake.images.push({ type: 'image', source: { type: 'base64', media_type: image, data: data.toString('base64') } });
    } else if (claimsImage(a)) {
      refuse(a.name, 'its content is not a PNG, JPEG, GIF or WebP image');
    } else if (claimsText(a) && !isUtf8Text(data)) {
      refuse(a.name, 'it is named as text but is not UTF-8 text (binary content)');
    } else if (claimsText(a) && data.length <= TEXT_INLINE_MAX_BYTES) {
      intake.texts.push(data.toString('utf8'));
    } else {
      const path = await saveUpload(where.cwd, where.messageId, a.name, data, names);
      intake.saved.push({ name: a.name, path, size: data.length });
    }
  }
  return intake;
}

/**
 * The prompt's text: the typed text, the text files, then the saved files' absolute paths (a
 * session in a git worktree of the channel's repository works elsewhere than where they were saved).
 */
export function composePrompt(typed: string, intake: Pick<Intake, 'texts' | 'saved'>): string {
  const parts = [typed, ...intake.texts].filter((t) => t.trim() !== '');
  if (intake.saved.length > 0) {
    parts.push(['Files the user attached, saved on disk:',
      ...intake.saved.map((f) => `- ${f.path} (${formatBytes(f.size)})`)].join('\n'));
  }
  return parts.join('\n\n');
}

/** The short reply naming each refused file and why (one line each). */
export function refusalText(refused: readonly Refusal[]): string {
  return refused.map((r) => `📎 \`${r.name.replace(/`/g, "'")}\` was not sent to Claude: ${r.reason}.`).join('\n');
}
