/**
 * What an attachment is, by its bytes: the image types the Messages API takes (Anthropic docs,
 * "Vision": PNG, JPEG, GIF, WebP) by their magic numbers (the PNG, JFIF/Exif, GIF87a/89a and RIFF
 * WEBP signatures), and UTF-8 text. A name or a content type is only a claim, checked here.
 */
import type { ImageMediaType } from '../../claude/input.js';

const MiB = 1024 * 1024;
/** Largest image sent to Claude as an image block, bytes (the Messages API's 5 MB per image). */
export const IMAGE_MAX_BYTES = 5 * MiB;
/** Images per message sent as image blocks. */
export const IMAGES_PER_MESSAGE = 4;
/** Largest file saved under the session's directory, bytes. */
export const FILE_MAX_BYTES = 25 * MiB;
/** Largest text file put into the prompt itself, bytes; a longer one is saved as a file. */
export const TEXT_INLINE_MAX_BYTES = 512 * 1024;

/** The image type of `data` by its signature, or `null`. */
export function sniffImage(data: Uint8Array): ImageMediaType | null {
  const b = Buffer.from(data.buffer, data.byteOffset, Math.min(data.byteLength, 16));
  if (b.length >= 8 && b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (b.length >= 6 && /^GIF8[79]a$/.test(b.subarray(0, 6).toString('latin1'))) return 'image/gif';
  if (b.length >= 12 && b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP') return 'image/webp';
  return null;
}

/** Whether `data` is UTF-8 text: it decodes strictly and holds no NUL byte (binary files do). */
export function isUtf8Text(data: Uint8Array): boolean {
  if (data.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(data);
    return true;
  } catch {
    return false;
  }
}

/** The name or Discord's `content_type` says image. */
export function claimsImage(a: { name: string; contentType: string | null }): boolean {
  return /\.(png|jpe?g|gif|webp)$/i.test(a.name) || (a.contentType ?? '').startsWith('image/');
}

/** The name or Discord's `content_type` says text (as `/claude ask file:` always took: .txt, .md, text/*). */
export function claimsText(a: { name: string; contentType: string | null }): boolean {
  return /\.(txt|md|markdown|text)$/i.test(a.name) || (a.contentType ?? '').startsWith('text/');
}
