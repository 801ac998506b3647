/**
 * Turns an uploaded conversation into a transcript Claude Code can `--resume`: a JSONL transcript
 * (its lines kept, `sessionId`/`cwd` rewritten to the new session) or our JSON export
 * ({@link EXPORT_SCHEMA}; rebuilt as a linear chain of user/assistant entries, tool calls folded
 * into the text as one-line summaries since their results are not part of the export).
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { BridgeError } from '../core/errors.js';
import type { ClaudeSessionId } from '../core/ids.js';
import { EXPORT_SCHEMA, summarizeToolUse, type ExportedMessage } from './export.js';
import { transcriptPath } from './slug.js';
import { parseEntry, promptText } from './transcript.js';

export interface ImportResult {
  path: string;
  /** Prompts and answers in the imported conversation. */
  messages: number;
  brokenLines: number;
}

/**
 * Writes `<config>/projects/<slug(cwd)>/<newId>.jsonl` from `text`.
 * @throws BridgeError `IMPORT_INVALID` when `text` is neither a transcript nor our export (nothing is written)
 */
export async function importConversation(text: string, o: { configDir: string; cwd: string; newId: ClaudeSessionId }): Promise<ImportResult> {
  const trimmed = text.trimStart();
  let lines: string[];
  let messages = 0;
  let brokenLines = 0;
  const exported = trimmed.startsWith('{') ? parseExport(trimmed) : null;
  if (exported) {
    lines = fromExport(exported, o);
    messages = lines.length;
  } else {
    lines = [];
    for (const raw of text.split('\n')) {
      if (!raw.trim()) continue;
      const e = parseEntry(raw) as (Record<string, unknown> & { type: string }) | null;
      if (!e) { brokenLines++; continue; }
      if (promptText(e) !== null || (e.type === 'assistant' && !e.isSidechain)) messages++;
      if ('sessionId' in e) Object.assign(e, { sessionId: o.newId, cwd: o.cwd });
      lines.push(JSON.stringify(e));
    }
  }
  if (messages === 0) throw new BridgeError('IMPORT_INVALID');
  const file = transcriptPath(o.configDir, o.cwd, o.newId);
  await fs.promises.mkdir(path.dirname(file), { recursive: true });
  await fs.promises.writeFile(file, `${lines.join('\n')}\n`, { flag: 'wx' });
  return { path: file, messages, brokenLines };
}

function parseExport(text: string): ExportedMessage[] | null {
  try {
    const v = JSON.parse(text) as { schema?: unknown; messages?: unknown };
    return v.schema === EXPORT_SCHEMA && Array.isArray(v.messages) ? (v.messages as ExportedMessage[]) : null;
  } catch {
    return null;
  }
}

function fromExport(messages: ExportedMessage[], o: { cwd: string; newId: ClaudeSessionId }): string[] {
  let parent: string | null = null;
  return messages.flatMap((m, i) => {
    if (m.role !== 'user' && m.role !== 'assistant') return [];
    const tools = (m.toolUses ?? []).map((t) => `[tool] ${summarizeToolUse(t)}`);
    const text = [m.text, ...tools].filter(Boolean).join('\n');
    if (!text) return [];
    const uuid = randomUUID();
    const common = {
      parentUuid: parent, isSidechain: false, userType: 'external', cwd: o.cwd, sessionId: o.newId,
      timestamp: m.timestamp ?? new Date().toISOString(), uuid,
    };
    parent = uuid;
    const message = m.role === 'user'
      ? { role: 'user', content: text }
      : { id: `msg_imported_${i}`, type: 'message', role: 'assistant', model: 'imported', content: [{ type: 'text', text }],
          stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 0, output_tokens: 0 } };
    return [JSON.stringify({ type: m.role, ...common, message })];
  });
}
