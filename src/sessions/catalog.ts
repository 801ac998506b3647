/**
 * What a user can see and pick up: their own bridge sessions in a working directory and the Claude
 * sessions started there from a terminal (transcripts no bridge session is bound to). Another user's
 * bridge sessions never appear.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ClaudeSessionId, BridgeSessionId, Snowflake } from '../core/ids.js';
import type { HistoryLine } from '../claude/history.js';
import type { TranscriptInfo } from '../claude/transcript-index.js';
import type { SessionRecord, SessionStore } from '../store/types.js';

export interface SessionListing {
  kind: 'bridge' | 'terminal';
  claudeSessionId: ClaudeSessionId;
  bridgeId: BridgeSessionId | null;
  /** Claude Code's title, else the first prompt, else a placeholder. */
  title: string;
  prompts: number;
  /** Epoch ms. */
  lastActivityMs: number;
  /** `null` when it can be resumed; else why not, in a few words. */
  notResumable: string | null;
}

export function whyNotResumable(info: TranscriptInfo | undefined, cwd: string): string | null {
  if (!fs.existsSync(cwd)) return 'working directory gone';
  if (!info) return 'transcript missing';
  if (info.prompts === 0) return 'transcript empty';
  return null;
}

/** Newest first. `history` gives the typed first prompt where a transcript has none (or is gone). */
export function listSessions(
  o: { store: SessionStore; mine: readonly SessionRecord[]; cwd: string; transcripts: TranscriptInfo[]; history: Map<string, HistoryLine> },
): SessionListing[] {
  const byId = new Map(o.transcripts.map((t) => [t.sessionId as string, t]));
  const title = (id: string, info?: TranscriptInfo) =>
    (info?.title ?? info?.firstPrompt ?? o.history.get(id)?.display ?? '(no prompt yet)').replace(/\s+/g, ' ').slice(0, 100);
  const mine: SessionListing[] = o.mine.filter((r) => r.cwd === o.cwd).map((r) => {
    const info = byId.get(r.claudeSessionId);
    return {
      kind: 'bridge', claudeSessionId: r.claudeSessionId, bridgeId: r.id, title: title(r.claudeSessionId, info),
      prompts: info?.prompts ?? 0, lastActivityMs: Math.max(r.lastActivityAt, info?.lastActivityMs ?? 0),
      notResumable: r.turnCount === 0 && !info ? null : whyNotResumable(info, r.cwd),
    };
  });
  const bound = o.store.boundClaudeIds();
  const terminal: SessionListing[] = o.transcripts
    .filter((t) => !bound.has(t.sessionId))
    .map((t) => ({
      kind: 'terminal', claudeSessionId: t.sessionId, bridgeId: null, title: title(t.sessionId, t), prompts: t.prompts,
      lastActivityMs: t.lastActivityMs ?? t.mtimeMs, notResumable: whyNotResumable(t, o.cwd),
    }));
  return [...mine, ...terminal].sort((a, b) => b.lastActivityMs - a.lastActivityMs);
}

/** A user's sessions untouched since `cutoffMs`, with nothing running or owed. */
export function staleSessions(store: SessionStore, ownerId: Snowflake, cutoffMs: number, isBusy: (id: BridgeSessionId) => boolean): SessionRecord[] {
  return store.listByOwner(ownerId).filter((r) =>
    r.lastActivityAt < cutoffMs && r.backend === null && !isBusy(r.id) && store.listTurns(r.id).length === 0);
}

/**
 * Deletes transcript files, refusing any path outside `<configDir>/projects/`.
 * @returns how many were deleted and their total size in bytes
 */
export async function deleteTranscripts(configDir: string, files: readonly string[]): Promise<{ count: number; bytes: number }> {
  const root = path.join(path.resolve(configDir), 'projects') + path.sep;
  let count = 0;
  let bytes = 0;
  for (const file of files) {
    const resolved = path.resolve(file);
    if (!resolved.startsWith(root) || !resolved.endsWith('.jsonl')) continue;
    try {
      const { size } = await fs.promises.stat(resolved);
      await fs.promises.rm(resolved);
      count++;
      bytes += size;
    } catch {
      // already gone
    }
  }
  return { count, bytes };
}
