import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { exportTranscript } from '../../src/claude/export.js';
import { importConversation } from '../../src/claude/import.js';
import { summarizeTranscript } from '../../src/claude/transcript.js';
import { TranscriptTail } from '../../src/claude/transcript-tail.js';
import { TranscriptIndex } from '../../src/claude/transcript-index.js';
import { BridgeError } from '../../src/core/errors.js';
import { parseClaudeSessionId } from '../../src/core/ids.js';

const ID = parseClaudeSessionId('11111111-2222-4333-8444-555555555555');
const line = (o: object) => JSON.stringify({ sessionId: ID, cwd: '/w', ...o });
// The shapes Claude Code 2.1.330 writes (trimmed), plus lines it may also write that are not conversation.
const TRANSCRIPT = [
  line({ type: 'queue-operation' }),
  line({ type: 'user', uuid: 'u1', parentUuid: null, timestamp: '2026-01-01T00:00:00Z', message: { role: 'user', content: 'first prompt' } }),
  line({ type: 'attachment', uuid: 'a1', parentUuid: 'u1' }),
  line({ type: 'assistant', uuid: 'r1', parentUuid: 'a1', message: { role: 'assistant', content: [{ type: 'text', text: 'run it' }, { type: 'tool_use', name: 'Bash', input: { command: 'npm test' } }] } }),
  line({ type: 'user', uuid: 't1', parentUuid: 'r1', message: { role: 'user', content: [{ type: 'tool_result', content: 'ok' }] } }),
  '{"type":"assistant","uuid":', // cut off mid-write
  line({ type: 'user', uuid: 'u2', parentUuid: 't1', timestamp: '2026-01-02T00:00:00Z', message: { role: 'user', content: [{ type: 'text', text: 'second prompt' }] } }),
  line({ type: 'user', uuid: 'm1', parentUuid: 'u2', isMeta: true, message: { role: 'user', content: '<command-name>/cost</command-name>' } }),
  line({ type: 'assistant', uuid: 'r2', parentUuid: 'u2', message: { role: 'assistant', content: [{ type: 'text', text: 'done' }] } }),
  line({ type: 'summary', summary: 'Running the tests' }),
  'not json at all',
].join('\n');

function write(text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdb-tr-'));
  const file = path.join(dir, `${ID}.jsonl`);
  fs.writeFileSync(file, text);
  return file;
}

async function exported(file: string, format: 'markdown' | 'json' | 'jsonl') {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c) => chunks.push(c));
  const r = await exportTranscript(file, format, out, { sessionId: ID, cwd: '/w' });
  return { text: Buffer.concat(chunks).toString(), ...r };
}

describe('transcripts', () => {
  it('sums up prompts, title, last prompt and activity; counts broken lines instead of failing', async () => {
    const s = await summarizeTranscript(write(TRANSCRIPT));
    expect(s).toMatchObject({
      title: 'Running the tests', firstPrompt: 'first prompt', prompts: 2, cwd: '/w', brokenLines: 2,
      lastPrompt: { text: 'second prompt', uuid: 'u2', parentUuid: 't1' }, lastActivityMs: Date.parse('2026-01-02T00:00:00Z'),
    });
    expect(new TranscriptTail(write(TRANSCRIPT)).newest()).toEqual({ type: 'assistant', uuid: 'r2' });
  });

  it('TranscriptTail follows appends (a line written in two pieces included) and a replaced file', () => {
    const file = write(`${TRANSCRIPT}\n`);
    const tail = new TranscriptTail(file);
    expect(tail.newest()).toEqual({ type: 'assistant', uuid: 'r2' });
    const prompt = Buffer.from(line({ type: 'user', uuid: 'u3', message: { role: 'user', content: 'typed in a terminal: 日本' } }));
    const cut = prompt.indexOf(Buffer.from('日')) + 1; // inside a 3-byte UTF-8 character
    fs.appendFileSync(file, prompt.subarray(0, cut)); // Claude Code is mid-write
    expect(tail.newest()).toEqual({ type: 'assistant', uuid: 'r2' });
    fs.appendFileSync(file, Buffer.concat([prompt.subarray(cut), Buffer.from(`\n${line({ type: 'attachment', uuid: 'a9' })}\n`)]));
    expect(tail.newest()).toEqual({ type: 'user', uuid: 'u3' });
    fs.writeFileSync(file, `${line({ type: 'assistant', uuid: 'new', message: { role: 'assistant', content: [] } })}\n`);
    expect(tail.newest()).toEqual({ type: 'assistant', uuid: 'new' });
    fs.rmSync(file);
    expect(tail.newest()).toBeNull();
  });

  it('exports Markdown with tool calls summarised, JSON in our schema, and JSONL byte for byte', async () => {
    const file = write(TRANSCRIPT);
    const md = await exported(file, 'markdown');
    expect(md.text).toContain('## 🧑 Prompt — 2026-01-01T00:00:00Z\n\nfirst prompt');
    expect(md.text).toContain('> 🔧 Bash: npm test');
    expect(md.text).not.toContain('/cost');
    expect(md.text).toContain('2 broken transcript lines were skipped');
    const json = JSON.parse((await exported(file, 'json')).text);
    expect(json.messages.map((m: { role: string; text: string }) => `${m.role}:${m.text}`)).toEqual(['user:first prompt', 'assistant:run it', 'user:second prompt', 'assistant:done']);
    expect(json.brokenLines).toBe(2);
    expect((await exported(file, 'jsonl')).text).toBe(TRANSCRIPT);
  });

  it('imports refuse what is not a conversation, and write nothing', async () => {
    const configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdb-imp-'));
    const newId = parseClaudeSessionId('22222222-2222-4333-8444-555555555555');
    for (const junk of ['', 'hello', '{"schema":"other","messages":[]}', line({ type: 'summary', summary: 'x' })]) {
      await expect(importConversation(junk, { configDir, cwd: '/w', newId })).rejects.toBeInstanceOf(BridgeError);
    }
    expect(fs.existsSync(path.join(configDir, 'projects'))).toBe(false);
    const ok = await importConversation(TRANSCRIPT, { configDir, cwd: '/elsewhere', newId });
    expect(ok).toMatchObject({ messages: 4, brokenLines: 2 });
    const first = JSON.parse(fs.readFileSync(ok.path, 'utf8').split('\n')[1]!);
    expect(first).toMatchObject({ sessionId: newId, cwd: '/elsewhere' });
  });

  it('the index lists newest first and re-reads only what changed (mtime + size)', async () => {
    const configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdb-idx-'));
    const index = new TranscriptIndex(configDir);
    const dir = index.projectDir('/w');
    fs.mkdirSync(dir, { recursive: true });
    const a = path.join(dir, '11111111-2222-4333-8444-aaaaaaaaaaaa.jsonl');
    const b = path.join(dir, '11111111-2222-4333-8444-bbbbbbbbbbbb.jsonl');
    fs.writeFileSync(a, line({ type: 'user', uuid: 'x', timestamp: '2026-01-01T00:00:00Z', message: { content: 'older' } }));
    fs.writeFileSync(b, line({ type: 'user', uuid: 'y', timestamp: '2026-02-01T00:00:00Z', message: { content: 'newer' } }));
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'ignored');
    expect((await index.list('/w')).map((t) => t.firstPrompt)).toEqual(['newer', 'older']);
    fs.appendFileSync(a, `\n${line({ type: 'user', uuid: 'z', timestamp: '2026-03-01T00:00:00Z', message: { content: 'again' } })}`);
    const again = await index.list('/w');
    expect(again.map((t) => t.firstPrompt)).toEqual(['older', 'newer']);
    expect(again[0]!.prompts).toBe(2);
    expect(await index.list('/nowhere')).toEqual([]);
    fs.rmSync(b);
    expect((await index.list('/w')).map((t) => t.firstPrompt)).toEqual(['older']);
    expect((index as unknown as { cache: Map<string, unknown> }).cache.has(b)).toBe(false); // not kept for a deleted file
  });
});
