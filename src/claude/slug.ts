/**
 * Where Claude Code keeps a session's transcript (measured on 2.1.330; DESIGN.md §4):
 * `<config home>/projects/<slug>/<session id>.jsonl`, config home = `$CLAUDE_CONFIG_DIR` or `~/.claude`.
 */
import os from 'node:os';
import path from 'node:path';
import type { ClaudeSessionId } from '../core/ids.js';

const MAX_SLUG = 200;

/** Java's `String.hashCode` (int32 arithmetic), which Claude Code uses to shorten long slugs. */
function javaStringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

/** `realCwd` with every non-alphanumeric char replaced by `-`; over 200 chars: first 200 + `-` + base36 hash. */
export function projectSlug(realCwd: string): string {
  const slug = realCwd.replace(/[^a-zA-Z0-9]/g, '-');
  if (slug.length <= MAX_SLUG) return slug;
  return `${slug.slice(0, MAX_SLUG)}-${Math.abs(javaStringHash(realCwd)).toString(36)}`;
}

export function claudeConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.CLAUDE_CONFIG_DIR || path.join(os.homedir(), '.claude');
}

/** Transcript path. `realCwd` must already be resolved with `fs.realpath`. */
export function transcriptPath(configDir: string, realCwd: string, id: ClaudeSessionId): string {
  return path.join(configDir, 'projects', projectSlug(realCwd), `${id}.jsonl`);
}
