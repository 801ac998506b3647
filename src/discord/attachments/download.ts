/**
 * Downloads a Discord attachment from its `url` (the attachment object of the Discord API docs:
 * `id, filename, size, url, content_type`), never more than a cap: a larger `Content-Length` is
 * refused before reading, and the body is counted while it streams (a size that lies is cut off).
 * Redirects are not followed: the file comes from the URL Discord gave, or not at all.
 */

/** The body was (or would be) larger than the cap. */
export class TooLargeError extends Error {
  constructor(readonly cap: number) { super(`larger than ${cap} bytes`); }
}

/**
 * @param cap bytes
 * @throws TooLargeError over the cap; Error on a failed download (HTTP status, network)
 */
export async function downloadCapped(url: string, cap: number, fetchImpl: typeof fetch = fetch): Promise<Buffer> {
  const res = await fetchImpl(url, { redirect: 'error' });
  if (!res.ok || !res.body) throw new Error(`attachment download failed: HTTP ${res.status}`);
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > cap) {
    await res.body.cancel().catch(() => undefined);
    throw new TooLargeError(cap);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > cap) {
      await reader.cancel().catch(() => undefined);
      throw new TooLargeError(cap);
    }
    chunks.push(Buffer.from(value));
  }
  return Buffer.concat(chunks, total);
}
