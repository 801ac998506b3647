/**
 * How a session's `claude` process is started: `--resume <id>` when its transcript exists; a fork
 * of `forkFrom` under its own id when it is a branch or a regenerated answer not yet started; else a
 * new conversation with `--session-id <id>` — under a fresh id when the session had turns but their
 * transcript is gone (reusing the id would resume nothing).
 */
import fs from 'node:fs';
import { makeClaudeSessionId, type ClaudeSessionId } from '../core/ids.js';
import { buildClaudeArgs, type ClaudeArgsOptions, type PermissionMode } from '../claude/args.js';
import { bridgeMcp } from '../claude/mcp-config.js';
import { transcriptPath } from '../claude/slug.js';
import type { ProcessBackend, ProcessHandle } from '../backends/types.js';
import type { SessionRecord } from '../store/types.js';
import type { SendFilesOptions } from './session-types.js';
import { resolveInWorkspace } from './workspace.js';

export interface LaunchDeps {
  backend: ProcessBackend;
  claudeBin: string;
  env: Record<string, string>;
  claudeConfigDir: string;
  permissionMode?: PermissionMode;
  /** An MCP config file every process gets (`--mcp-config`). */
  mcpConfig?: string;
  /** Realpath every session directory must be inside, when set. */
  workspaceRoot?: string;
  /** The bridge's MCP server (`send_file`) for each process, when set. */
  sendFiles?: Pick<SendFilesOptions, 'outbox' | 'command' | 'script' | 'maxUploadBytes'>;
}

export interface Launched {
  handle: ProcessHandle;
  kind: 'new' | 'resume' | 'fork';
  /** Set when the transcript was missing and a fresh Claude session id was used. */
  freshId: ClaudeSessionId | null;
}

/** @throws BridgeError `PROCESS_START_FAILED` from the backend; `OUTSIDE_WORKSPACE`, `DIR_NOT_FOUND` */
export async function launchClaude(deps: LaunchDeps, rec: Readonly<SessionRecord>, o: { expectNew?: boolean } = {}): Promise<Launched> {
  if (deps.workspaceRoot) resolveInWorkspace(deps.workspaceRoot, rec.cwd);
  const exists = (id: ClaudeSessionId) => fs.existsSync(transcriptPath(deps.claudeConfigDir, rec.cwd, id));
  const hasTranscript = exists(rec.claudeSessionId);
  const fork = !hasTranscript && rec.forkFrom !== null && exists(rec.forkFrom);
  const kind = hasTranscript ? 'resume' : fork ? 'fork' : 'new';
  const freshId = kind === 'new' && rec.turnCount > 0 && rec.forkFrom === null && !o.expectNew ? makeClaudeSessionId() : null;
  const id = freshId ?? rec.claudeSessionId;
  const session: ClaudeArgsOptions['session'] =
    kind === 'fork' ? { kind, id, from: rec.forkFrom!, at: rec.forkAt } : { kind, id };
  const f = deps.sendFiles;
  const mcp = f ? [bridgeMcp({ command: f.command, script: f.script, sessionDir: rec.cwd, outboxDir: f.outbox.dirOf(rec.id), maxUploadBytes: f.maxUploadBytes })] : [];
  const handle = await deps.backend.start({
    name: rec.id,
    command: deps.claudeBin,
    args: buildClaudeArgs({
      session, model: rec.model ?? undefined,
      // The session's own mode (`/claude mode`, or where the CLI switched to) outlives its process.
      permissionMode: (rec.permissionMode as PermissionMode | null | undefined) ?? deps.permissionMode,
      mcpConfigs: deps.mcpConfig ? [deps.mcpConfig] : [], mcp,
    }),
    cwd: rec.cwd,
    env: deps.env,
  });
  return { handle, kind, freshId };
}
