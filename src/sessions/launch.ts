/**
 * How a session's `claude` process is started: `--resume <id>` when its transcript exists, else a
 * new conversation with `--session-id <id>` — under a fresh id when the session had turns but their
 * transcript is gone (reusing the id would resume nothing).
 */
import fs from 'node:fs';
import { makeClaudeSessionId, type ClaudeSessionId } from '../core/ids.js';
import { buildClaudeArgs } from '../claude/args.js';
import { transcriptPath } from '../claude/slug.js';
import type { ProcessBackend, ProcessHandle } from '../backends/types.js';
import type { SessionRecord } from '../store/types.js';

export interface LaunchDeps {
  backend: ProcessBackend;
  claudeBin: string;
  env: Record<string, string>;
  claudeConfigDir: string;
}

export interface Launched {
  handle: ProcessHandle;
  kind: 'new' | 'resume';
  /** Set when the transcript was missing and a fresh Claude session id was used. */
  freshId: ClaudeSessionId | null;
}

/** @throws BridgeError `PROCESS_START_FAILED` from the backend */
export async function launchClaude(deps: LaunchDeps, rec: Readonly<SessionRecord>): Promise<Launched> {
  const hasTranscript = fs.existsSync(transcriptPath(deps.claudeConfigDir, rec.cwd, rec.claudeSessionId));
  const kind = hasTranscript ? 'resume' : 'new';
  const freshId = !hasTranscript && rec.turnCount > 0 ? makeClaudeSessionId() : null;
  const handle = await deps.backend.start({
    name: rec.id,
    command: deps.claudeBin,
    args: buildClaudeArgs({ session: { kind, id: freshId ?? rec.claudeSessionId }, model: rec.model ?? undefined }),
    cwd: rec.cwd,
    env: deps.env,
  });
  return { handle, kind, freshId };
}
