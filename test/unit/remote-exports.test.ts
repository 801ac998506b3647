/**
 * `RunnerExports` (issue 12): a runner's export goes to the hub in chunks of at most 512 KiB (base64
 * under NATS's 1 MiB payload), read from one file made on the first request; the chunks put back
 * together are the export; another owner's session is refused. Real files; the session manager is a
 * stand-in that knows one session.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXPORT_CHUNK_BYTES, RunnerExports } from '../../src/remote/exports.js';
import type { SessionManager } from '../../src/sessions/manager.js';

const OWNER = '100000000000000001';

function rig(lines: number) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdb-exp-test-'));
  const transcript = path.join(dir, 't.jsonl');
  const line = (i: number) => JSON.stringify({ type: 'user', uuid: `u${i}`, message: { role: 'user', content: `prompt ${i} ${'x'.repeat(200)}` } });
  fs.writeFileSync(transcript, Array.from({ length: lines }, (_, i) => line(i)).join('\n') + '\n');
  const session = { record: { id: '0123456789ab', ownerId: OWNER, claudeSessionId: '11111111-2222-3333-4444-555555555555', cwd: dir }, transcriptFile: transcript };
  const manager = { getSession: (id: string) => (id === session.record.id ? session : null) } as unknown as SessionManager;
  return { exports: new RunnerExports(manager), transcript, session };
}

describe('RunnerExports', () => {
  it('sends a large export in bounded chunks that add up to the file', async () => {
    const { exports, transcript } = rig(6_000); // ~1.3 MB of raw transcript: three chunks
    const parts: Buffer[] = [];
    let chunk = await exports.chunk('0123456789ab', OWNER, 'jsonl', 0);
    for (;;) {
      const data = Buffer.from(chunk.data, 'base64');
      expect(data.length).toBeLessThanOrEqual(EXPORT_CHUNK_BYTES);
      parts.push(data);
      if (chunk.done) break;
      chunk = await exports.chunk('0123456789ab', OWNER, 'jsonl', chunk.offset + data.length);
    }
    expect(parts.length).toBeGreaterThan(2);
    expect(chunk.name).toBe('claude-11111111-2222-3333-4444-555555555555.jsonl');
    expect(Buffer.concat(parts).equals(fs.readFileSync(transcript))).toBe(true);
    exports.close();
  });

  it('refuses another owner\'s session and an unknown one', async () => {
    const { exports } = rig(3);
    await expect(exports.chunk('0123456789ab', '100000000000000002', 'markdown', 0)).rejects.toMatchObject({ code: 'NOT_YOURS' });
    await expect(exports.chunk('ffffffffffff', OWNER, 'markdown', 0)).rejects.toMatchObject({ code: 'SESSION_NOT_FOUND' });
  });
});
