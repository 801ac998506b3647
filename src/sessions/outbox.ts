/**
 * The outbox of files Claude sends to the chat (`send_file` of the bridge's MCP server, see
 * `src/mcp/send-file-server.ts`). The MCP server holds no bot secret and talks to no bot: it
 * writes one JSON request per file into the session's outbox directory (`<RUN_DIR>/outbox/<session
 * id>/<request id>.json`, written to a temporary name and renamed, so a reader never sees half a
 * request). When the turn's `result` arrives, the session claims what is there by renaming it into
 * `<outbox>/<turn id>/` — before the turn's answer is stored — and the answer is shown with those
 * files; once it was delivered the turn's directory is removed. After a restart an answered turn
 * finds its files in its directory again, and showing it again replaces the same message's
 * attachments: each file reaches the chat once.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** One file Claude asked to send. */
export interface SentFile {
  id: string;
  /** Realpath inside the session's directory, as resolved when it was asked for (checked again before upload). */
  path: string;
  /** File name shown in Discord. */
  name: string;
  /** Bytes, when it was asked for. */
  size: number;
  caption?: string;
  /** Epoch ms. */
  at: number;
}

/** Writes a request into an outbox directory (atomically: temporary name, then rename). */
export async function writeSendRequest(dir: string, file: Omit<SentFile, 'id' | 'at'>): Promise<SentFile> {
  const req: SentFile = { id: randomUUID(), at: Date.now(), ...file };
  await fs.promises.mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = path.join(dir, `.${req.id}.tmp`);
  await fs.promises.writeFile(tmp, JSON.stringify(req), { mode: 0o600 });
  await fs.promises.rename(tmp, path.join(dir, `${req.id}.json`));
  return req;
}

const TURN_DIR = /^[0-9a-f-]{36}$/;

/** The outboxes of all sessions, under one root. Synchronous: called from a session's loop on small directories. */
export class Outbox {
  constructor(readonly root: string) {}

  /** The directory the session's MCP server writes into. */
  dirOf(sessionId: string): string {
    return path.join(this.root, sessionId);
  }

  /** Moves every waiting request of the session to turn `turnId`; returns all of that turn's files, oldest first. */
  claim(sessionId: string, turnId: string): SentFile[] {
    const dir = this.dirOf(sessionId);
    const waiting = this.readdir(dir).filter((n) => n.endsWith('.json'));
    if (waiting.length > 0) {
      fs.mkdirSync(path.join(dir, turnId), { recursive: true, mode: 0o700 });
      for (const n of waiting) fs.renameSync(path.join(dir, n), path.join(dir, turnId, n));
    }
    return this.filesOf(sessionId, turnId);
  }

  /** The files claimed by turn `turnId`, oldest first (unreadable requests skipped). */
  filesOf(sessionId: string, turnId: string): SentFile[] {
    if (!TURN_DIR.test(turnId)) return [];
    const dir = path.join(this.dirOf(sessionId), turnId);
    const files: SentFile[] = [];
    for (const n of this.readdir(dir).filter((x) => x.endsWith('.json'))) {
      try { files.push(JSON.parse(fs.readFileSync(path.join(dir, n), 'utf8')) as SentFile); } catch { /* half-written by a dead writer: skipped */ }
    }
    return files.sort((a, b) => a.at - b.at);
  }

  /** The turn was delivered: its files are done. */
  drop(sessionId: string, turnId: string): void {
    if (!TURN_DIR.test(turnId)) return;
    fs.rmSync(path.join(this.dirOf(sessionId), turnId), { recursive: true, force: true });
  }

  private readdir(dir: string): string[] {
    try { return fs.readdirSync(dir); } catch { return []; }
  }
}
