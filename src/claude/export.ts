/**
 * Exports a transcript, streamed (memory stays bounded whatever its size):
 * - `markdown`: for people — prompts, answers, tool calls summarised in one line each;
 * - `json`: {@link EXPORT_SCHEMA}, one object: `{ schema, sessionId, cwd, exportedAt, messages: [
 *   { uuid, parentUuid, timestamp, role: 'user' | 'assistant', text, toolUses: [{ name, input }] } ],
 *   brokenLines }` — importable again;
 * - `jsonl`: the raw transcript, byte for byte.
 */
import fs from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { answerText, mayBeConversation, promptText, readTranscript, type ReadStats, type TranscriptEntry } from './transcript.js';

export type ExportFormat = 'markdown' | 'json' | 'jsonl';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['markdown', 'json', 'jsonl'];
export const EXPORT_SCHEMA = 'claude-discord-bridge.export/v1';
export const EXPORT_EXTENSIONS: Record<ExportFormat, string> = { markdown: 'md', json: 'json', jsonl: 'jsonl' };

export interface ExportedMessage {
  uuid: string;
  parentUuid: string | null;
  timestamp: string | null;
  role: 'user' | 'assistant';
  text: string;
  toolUses: Array<{ name: string; input: unknown }>;
}

/** The conversation messages of an entry: a person's prompt, or an assistant message with text or tools. */
export function toMessage(e: TranscriptEntry): ExportedMessage | null {
  if (!e.uuid) return null;
  const base = { uuid: e.uuid, parentUuid: e.parentUuid ?? null, timestamp: e.timestamp ?? null };
  const prompt = promptText(e);
  if (prompt !== null) return { ...base, role: 'user', text: prompt, toolUses: [] };
  if (e.type !== 'assistant' || e.isSidechain || !Array.isArray(e.message?.content)) return null;
  const blocks = e.message!.content as Array<{ type?: string; name?: string; input?: unknown }>;
  const toolUses = blocks.filter((b) => b.type === 'tool_use').map((b) => ({ name: String(b.name), input: b.input ?? {} }));
  const text = answerText(e) ?? '';
  return text || toolUses.length > 0 ? { ...base, role: 'assistant', text, toolUses } : null;
}

/** One line for a tool call: its name and the input field a person would look for. */
export function summarizeToolUse(t: { name: string; input: unknown }): string {
  const input = (t.input ?? {}) as Record<string, unknown>;
  const key = ['command', 'file_path', 'path', 'pattern', 'url', 'query', 'description'].find((k) => typeof input[k] === 'string');
  const detail = key ? String(input[key]).replace(/\s+/g, ' ').slice(0, 200) : '';
  return detail ? `${t.name}: ${detail}` : t.name;
}

/** Gathers small pieces into ~256 KiB writes (one write per message line costs more than the parsing). */
class Batch {
  private buf: string[] = [];
  private size = 0;
  constructor(private readonly out: Writable) {}
  async write(text: string): Promise<void> {
    this.buf.push(text);
    this.size += text.length;
    if (this.size >= 256 * 1024) await this.flush();
  }
  async flush(): Promise<void> {
    const text = this.buf.join('');
    this.buf = [];
    this.size = 0;
    if (text && !this.out.write(text)) await once(this.out, 'drain');
  }
}

/**
 * Writes the export of `file` to `out` (not ended here).
 * @returns lines of the transcript that were not JSON, skipped
 * @throws the fs error when the transcript cannot be read
 */
export async function exportTranscript(
  file: string,
  format: ExportFormat,
  out: Writable,
  meta: { sessionId: string; cwd: string },
): Promise<{ brokenLines: number }> {
  if (format === 'jsonl') {
    await pipeline(fs.createReadStream(file), out, { end: false });
    return { brokenLines: 0 };
  }
  const stats: ReadStats = { brokenLines: 0 };
  const batch = new Batch(out);
  const write = (_: Writable, text: string) => batch.write(text);
  const entries = () => readTranscript(file, stats, mayBeConversation);
  if (format === 'json') {
    await write(out, `{"schema":${JSON.stringify(EXPORT_SCHEMA)},"sessionId":${JSON.stringify(meta.sessionId)},"cwd":${JSON.stringify(meta.cwd)},"exportedAt":${JSON.stringify(new Date().toISOString())},"messages":[`);
    let first = true;
    for await (const e of entries()) {
      const m = toMessage(e);
      if (!m) continue;
      await write(out, `${first ? '' : ','}\n${JSON.stringify(m)}`);
      first = false;
    }
    await write(out, `\n],"brokenLines":${stats.brokenLines}}\n`);
    await batch.flush();
    return stats;
  }
  await write(out, `# Claude Code session ${meta.sessionId}\n\nWorking directory: \`${meta.cwd}\`\n`);
  for await (const e of entries()) {
    const m = toMessage(e);
    if (!m) continue;
    const when = m.timestamp ? ` — ${m.timestamp}` : '';
    if (m.role === 'user') await write(out, `\n## 🧑 Prompt${when}\n\n${m.text}\n`);
    else {
      if (m.text) await write(out, `\n## 🤖 Claude${when}\n\n${m.text}\n`);
      for (const t of m.toolUses) await write(out, `\n> 🔧 ${summarizeToolUse(t).replace(/\n/g, ' ')}\n`);
    }
  }
  if (stats.brokenLines > 0) await write(out, `\n---\n${stats.brokenLines} broken transcript lines were skipped.\n`);
  await batch.flush();
  return stats;
}
