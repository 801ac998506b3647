/**
 * `TranscriptIndex`: the Claude sessions of one working directory, as Claude Code stores them
 * (`<config>/projects/<slug>/<uuid>.jsonl`). Summaries are cached by path and invalidated by
 * mtime + size, so a warm listing only reads the directory and stats each file.
 */
import fs from 'node:fs';
import path from 'node:path';
import PQueue from 'p-queue';
import type { ClaudeSessionId } from '../core/ids.js';
import { projectSlug } from './slug.js';
import { summarizeTranscript, type TranscriptSummary } from './transcript.js';

export interface TranscriptInfo extends TranscriptSummary {
  sessionId: ClaudeSessionId;
  path: string;
}

const TRANSCRIPT_NAME = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.jsonl$/;

export class TranscriptIndex {
  private readonly cache = new Map<string, TranscriptInfo>();

  /** @param configDir Claude Code's config home; @param concurrency files read at once */
  constructor(private readonly configDir: string, private readonly concurrency = 32) {}

  /** The project directory of a (real) working directory. */
  projectDir(realCwd: string): string {
    return path.join(this.configDir, 'projects', projectSlug(realCwd));
  }

  /** Every transcript of `realCwd`, newest first. A missing directory is an empty list. */
  async list(realCwd: string): Promise<TranscriptInfo[]> {
    const dir = this.projectDir(realCwd);
    let names: string[];
    try {
      names = await fs.promises.readdir(dir);
    } catch {
      return [];
    }
    const queue = new PQueue({ concurrency: this.concurrency });
    const infos = await Promise.all(
      names.flatMap((name) => {
        const m = TRANSCRIPT_NAME.exec(name);
        return m ? [queue.add(() => this.info(path.join(dir, name), m[1] as ClaudeSessionId))] : [];
      }),
    );
    return infos
      .filter((i): i is TranscriptInfo => i !== null)
      .sort((a, b) => (b.lastActivityMs ?? b.mtimeMs) - (a.lastActivityMs ?? a.mtimeMs));
  }

  /** One transcript's summary; `null` when it is gone. */
  async info(file: string, sessionId: ClaudeSessionId): Promise<TranscriptInfo | null> {
    let stat: fs.Stats;
    try {
      stat = await fs.promises.stat(file);
    } catch {
      this.cache.delete(file);
      return null;
    }
    const cached = this.cache.get(file);
    if (cached && cached.mtimeMs === stat.mtimeMs && cached.sizeBytes === stat.size) return cached;
    const info = { ...(await summarizeTranscript(file)), sessionId, path: file };
    this.cache.set(file, info);
    return info;
  }
}
