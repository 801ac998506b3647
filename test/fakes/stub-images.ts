/**
 * The Anthropic stub's image behaviour (hooked into `anthropic-stub.ts`): when the newest user
 * message carries image content blocks (Messages API `{type:"image", source:{type:"base64",
 * media_type, data}}`), the echo answer ends with what it received — ` · image <media type>
 * <bytes> B sha256:<first 12 hex>` per image — so a test proves the image reached the API as an
 * image block and the answer depends on its bytes.
 *
 * Claude Code 2.1.330 adds a text block of its own after each image it forwards from stream-json
 * input (`[Image: source: <tmp>/images/<n>.png]`, observed against this stub); it is not a prompt.
 */
import { createHash } from 'node:crypto';

type Block = { type?: string; text?: string; source?: { type?: string; media_type?: string; data?: string } };

/** The CLI's note naming its saved copy of an image: not a user prompt. */
export function isImageNote(text: string): boolean {
  return /^\[Image: source: /.test(text.trimStart());
}

/** ` · image <type> <n> B sha256:<hex12>` for each image block of the newest user message, or ''. */
export function describeImages(messages: Array<{ role: string; content: unknown }> = []): string {
  const last = messages.findLast((m) => m.role === 'user');
  if (!last || !Array.isArray(last.content)) return '';
  return (last.content as Block[])
    .filter((b) => b.type === 'image' && b.source?.type === 'base64')
    .map((b) => {
      const bytes = Buffer.from(b.source!.data ?? '', 'base64');
      return ` · image ${b.source!.media_type} ${bytes.length} B sha256:${createHash('sha256').update(bytes).digest('hex').slice(0, 12)}`;
    })
    .join('');
}
