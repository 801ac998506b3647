/**
 * The MCP servers each session's `claude` process gets (`--mcp-config <json>`) and the tools of
 * theirs it may use without asking (`--allowedTools`). Claude Code names an MCP tool
 * `mcp__<server>__<tool>` (Claude Code docs, "MCP"; observed on 2.1.330). Pure: builds argv parts.
 * One place for every server, so more can be added beside the bridge's own.
 */

/** A stdio MCP server as Claude Code's `--mcp-config` takes it (`{"mcpServers":{name:{…}}}`). */
export interface McpStdioServer {
  type: 'stdio';
  command: string;
  args: string[];
  /** Added to the environment the server inherits from `claude` (which holds no bot secret). */
  env: Record<string, string>;
}

export interface SessionMcp {
  servers: Record<string, McpStdioServer>;
  /** Tools allowed without a permission prompt. */
  allowedTools: string[];
}

/** The bridge's own server, and its `send_file` tool's full name. */
export const BRIDGE_MCP_SERVER = 'bridge';
export const SEND_FILE_TOOL = `mcp__${BRIDGE_MCP_SERVER}__send_file`;

/** Where the bridge's MCP server runs and what it may send. */
export interface BridgeMcpOptions {
  /** The Node binary (`process.execPath`). */
  command: string;
  /** Absolute path of `dist/mcp/send-file-server.js`. */
  script: string;
  /** The session's working directory: files outside it are refused. */
  sessionDir: string;
  /** The session's outbox directory (see `sessions/outbox.ts`). */
  outboxDir: string;
  /** Largest file sent, bytes (Discord's upload limit). */
  maxUploadBytes: number;
}

/** The bridge's server (`send_file`), allowed without a prompt: it only reads inside the session's directory. */
export function bridgeMcp(o: BridgeMcpOptions): SessionMcp {
  return {
    servers: {
      [BRIDGE_MCP_SERVER]: {
        type: 'stdio', command: o.command, args: [o.script],
        env: { CDB_SESSION_DIR: o.sessionDir, CDB_OUTBOX_DIR: o.outboxDir, CDB_MAX_UPLOAD_BYTES: String(o.maxUploadBytes) },
      },
    },
    allowedTools: [SEND_FILE_TOOL],
  };
}

/**
 * `--mcp-config <config files…> <json> --allowedTools <a,b>`: `configs` (paths or JSON strings, e.g.
 * the operator's `MCP_CONFIG`) and these servers, all after one flag (it is variadic: Claude Code
 * loads each); nothing when there are none.
 */
export function mcpArgs(parts: readonly SessionMcp[], configs: readonly string[] = []): string[] {
  const servers = Object.assign({}, ...parts.map((p) => p.servers)) as Record<string, McpStdioServer>;
  const all = [...configs, ...(Object.keys(servers).length > 0 ? [JSON.stringify({ mcpServers: servers })] : [])];
  if (all.length === 0) return [];
  const tools = parts.flatMap((p) => p.allowedTools);
  return ['--mcp-config', ...all, ...(tools.length > 0 ? ['--allowedTools', tools.join(',')] : [])];
}
