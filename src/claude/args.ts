/**
 * The `claude` argv for a kept-alive stream-json session (DESIGN.md §2; flags from Claude Code's
 * CLI reference and measured on 2.1.330). Pure: builds an array, never a shell string.
 */
import type { PermissionMode } from '@anthropic-ai/claude-agent-sdk';
import type { ClaudeSessionId } from '../core/ids.js';
import { mcpArgs, type SessionMcp } from './mcp-config.js';

export type { PermissionMode };

export interface ClaudeArgsOptions {
  /**
   * Which conversation: a fresh one with a chosen id, an existing one to resume, or a fork of `from`
   * under the chosen `id` (history copied; cut after transcript entry `at` when given — the hidden
   * `--resume-session-at` flag, verified on 2.1.330).
   */
  session:
    | { kind: 'new'; id: ClaudeSessionId }
    | { kind: 'resume'; id: ClaudeSessionId }
    | { kind: 'fork'; id: ClaudeSessionId; from: ClaudeSessionId; at: string | null };
  /** Model alias or full id (`sonnet`, `claude-sonnet-4-5`…); omitted → the CLI's default. */
  model?: string;
  permissionMode?: PermissionMode;
  /** MCP config files (or JSON strings) for `--mcp-config` (Claude Code CLI reference). */
  mcpConfigs?: readonly string[];
  /** MCP servers of the session and their tools allowed without asking (`mcp-config.ts`). */
  mcp?: readonly SessionMcp[];
}

/** Argument vector after the binary (argv[1..]). */
export function buildClaudeArgs(opts: ClaudeArgsOptions): string[] {
  const args = [
    '-p',
    '--input-format', 'stream-json',
    '--output-format', 'stream-json',
    '--verbose',
    '--include-partial-messages',
    // Echoes each user message (with our uuid, `isReplay: true`) when the CLI takes it: how steering
    // learns whether a message was folded into the running turn or queued for the next one.
    '--replay-user-messages',
    '--permission-prompt-tool', 'stdio',
  ];
  const { session } = opts;
  if (session.kind === 'new') args.push('--session-id', session.id);
  else if (session.kind === 'resume') args.push('--resume', session.id);
  else {
    args.push('--resume', session.from, '--fork-session', '--session-id', session.id);
    if (session.at) args.push('--resume-session-at', session.at);
  }
  if (opts.model) args.push('--model', opts.model);
  if (opts.permissionMode) args.push('--permission-mode', opts.permissionMode);
  // Variadic: the configs run up to the next flag, so nothing that is not one may follow them.
  args.push(...mcpArgs(opts.mcp ?? [], opts.mcpConfigs ?? []));
  return args;
}
