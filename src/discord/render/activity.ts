/**
 * A turn's activity as Discord text and files: tool calls as one compact line each
 * (`Bash: npm test`, `Edit: src/x.ts`), edits as `.diff` files, long tool output as `.txt` files,
 * steered messages as quoted lines. Pure functions of the turn's parts.
 */
import path from 'node:path';
import { escapeMarkdown } from 'discord.js';
import { summarizeToolUse } from '../../claude/export.js';
import type { SteerMark } from '../../sessions/turn.js';
import type { ToolCall, TurnPart } from '../../sessions/turn-parts.js';
import { TODO_TOOLS } from '../../sessions/todos.js';

/** A file to attach (Discord: ≤ 10 per message, ≤ 10 MiB each). */
export interface OutFile {
  name: string;
  data: Buffer;
}

/** Tool output longer than this (chars or lines) goes to a file rather than nowhere. */
const LONG_OUTPUT_CHARS = 1200;
const LONG_OUTPUT_LINES = 15;
/** Room kept below Discord's 10 MiB per file, bytes. */
const MAX_FILE_BYTES = 8 * 1024 * 1024;
const EDIT_TOOLS = new Set(['Edit', 'MultiEdit', 'Write', 'NotebookEdit']);

/** `Bash: npm test`, `Edit: src/x.ts` (paths relative to `cwd`), one line, at most 150 chars. */
export function toolSummary(call: ToolCall, cwd: string): string {
  const input = { ...call.input };
  for (const k of ['file_path', 'path', 'notebook_path']) {
    const v = input[k];
    if (typeof v === 'string' && path.isAbsolute(v)) {
      const rel = path.relative(cwd, v);
      if (!rel.startsWith('..')) input[k] = rel || '.';
    }
  }
  const text = summarizeToolUse({ name: call.name, input }).replace(/\s+/g, ' ');
  return text.length > 150 ? `${text.slice(0, 149)}…` : text;
}

/** The parts as one text: answer text as it is, each tool call as a small `🔧` line (todo tools: the checklist shows them). */
export function renderParts(parts: readonly TurnPart[], cwd: string, files: ReadonlyMap<string, string> = new Map()): string {
  const out: string[] = [];
  for (const p of parts) {
    if (p.kind === 'text') {
      if (p.text.trim()) out.push(p.text.trim());
      continue;
    }
    if (TODO_TOOLS.has(p.call.name) && !p.call.result?.isError) continue;
    const failed = p.call.result?.isError ? ' ✗' : '';
    const file = files.get(p.call.id);
    out.push(`-# 🔧 ${escapeMarkdown(toolSummary(p.call, cwd))}${failed}${file ? ` · 📎 ${file}` : ''}`);
  }
  return out.join('\n');
}

/** Steered messages as quoted lines, saying what became of each. */
export function renderSteers(steers: readonly SteerMark[]): string {
  const fate: Record<SteerMark['state'], string> = {
    sent: 'sent into this turn', folded: 'taken into this turn', 'next-turn': 'answered next', lost: '⚠️ not delivered: the process ended first; send it again',
  };
  const line = (s: SteerMark) => `> ↪️ ${escapeMarkdown(oneLine(s.text, 120))} · *${fate[s.state]}*\n`;
  if (steers.length <= MAX_STEER_LINES) return steers.map(line).join('');
  // A burst: every message still accounted for, by fate, without pushing the answer out of the message.
  const earlier = steers.slice(0, steers.length - MAX_STEER_LINES + 1);
  const counts = new Map<string, number>();
  for (const s of earlier) counts.set(fate[s.state], (counts.get(fate[s.state]) ?? 0) + 1);
  const summary = [...counts].map(([f, n]) => `${n} ${f}`).join(' · ');
  return `> ↪️ ${earlier.length} earlier messages: *${summary}*\n${steers.slice(-MAX_STEER_LINES + 1).map(line).join('')}`;
}

/** Steered messages listed one per line at most; beyond, the earlier ones are counted by fate. */
const MAX_STEER_LINES = 6;

/**
 * Files for the turn's edits (`.diff`) and long tool output (`.txt`), numbered in call order;
 * `byCall` maps each call id to its file's name.
 */
export function activityFiles(parts: readonly TurnPart[], cwd: string): { files: OutFile[]; byCall: Map<string, string> } {
  const files: OutFile[] = [];
  const byCall = new Map<string, string>();
  let n = 0;
  for (const p of parts) {
    if (p.kind !== 'tool') continue;
    n++;
    const call = p.call;
    const diff = EDIT_TOOLS.has(call.name) ? editDiff(call, cwd) : null;
    const output = call.result && isLong(call.result.text) ? call.result.text : null;
    const text = diff ?? output;
    if (text === null) continue;
    const base = typeof call.input.file_path === 'string' ? path.basename(call.input.file_path) : call.name.toLowerCase();
    const name = `${n}-${base.replace(/[^\w.-]/g, '_')}.${diff ? 'diff' : 'txt'}`;
    files.push({ name, data: capped(text) });
    byCall.set(call.id, name);
  }
  return { files, byCall };
}

/** An edit as a diff: removed lines `-`, added lines `+` (Edit, MultiEdit, Write, NotebookEdit inputs). */
function editDiff(call: ToolCall, cwd: string): string | null {
  const i = call.input;
  const file = typeof i.file_path === 'string' ? i.file_path : typeof i.notebook_path === 'string' ? i.notebook_path : 'file';
  const rel = path.isAbsolute(file) ? path.relative(cwd, file) : file;
  const lines = (prefix: string, s: unknown) => (typeof s === 'string' && s !== '' ? s.split('\n').map((l) => `${prefix}${l}`) : []);
  const hunks: string[][] = [];
  if (call.name === 'Write') hunks.push(lines('+', i.content));
  else if (call.name === 'NotebookEdit') hunks.push(lines('+', i.new_source));
  else {
    const edits = Array.isArray(i.edits) ? (i.edits as Array<Record<string, unknown>>) : [i];
    for (const e of edits) hunks.push([...lines('-', e.old_string), ...lines('+', e.new_string)]);
  }
  if (hunks.every((h) => h.length === 0)) return null;
  const from = call.name === 'Write' ? '/dev/null' : `a/${rel}`;
  return [`--- ${from}`, `+++ b/${rel}`, ...hunks.flatMap((h) => ['@@', ...h])].join('\n') + '\n';
}

function isLong(text: string): boolean {
  if (text.length > LONG_OUTPUT_CHARS) return true;
  let lines = 1;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) if (++lines > LONG_OUTPUT_LINES) return true;
  return false;
}

function capped(text: string): Buffer {
  const data = Buffer.from(text);
  if (data.length <= MAX_FILE_BYTES) return data;
  return Buffer.concat([data.subarray(0, MAX_FILE_BYTES), Buffer.from(`\n… (${data.length - MAX_FILE_BYTES} more bytes cut)\n`)]);
}

function oneLine(text: string, max: number): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}
