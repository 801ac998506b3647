/**
 * The bridge's MCP server, one per session, started by `claude` over stdio (`--mcp-config`, built
 * in `src/claude/mcp-config.ts`) with the official `@modelcontextprotocol/sdk`. Its one tool,
 * `send_file(path, caption?)`, checks the file — a regular file inside the session's directory
 * (realpath), within the upload limit — and leaves a request in the session's outbox
 * (`sessions/outbox.ts`); the bot attaches the file to the turn's answer. It holds no secret and
 * never talks to Discord. Environment: `CDB_SESSION_DIR`, `CDB_OUTBOX_DIR`, `CDB_MAX_UPLOAD_BYTES`.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';
import { BridgeError } from '../core/errors.js';
import { writeSendRequest } from '../sessions/outbox.js';
import { formatBytes, resolveSessionFile } from '../sessions/session-files.js';

const sessionDir = process.env.CDB_SESSION_DIR;
const outboxDir = process.env.CDB_OUTBOX_DIR;
const maxBytes = Number(process.env.CDB_MAX_UPLOAD_BYTES ?? 10 * 1024 * 1024);
if (!sessionDir || !outboxDir || !(maxBytes > 0)) {
  process.stderr.write('send-file-server: CDB_SESSION_DIR, CDB_OUTBOX_DIR and CDB_MAX_UPLOAD_BYTES are required\n');
  process.exit(2);
}

const server = new McpServer({ name: 'claude-bridge', version: '1.0.0' });

server.registerTool('send_file', {
  title: 'Send a file to the chat',
  description: `Attach a file from the working directory to your answer in the Discord chat (at most ${formatBytes(maxBytes)}). `
    + 'Use it when the user asks for a file, or when a file (an image, a report, a build artifact) is the best answer.',
  inputSchema: {
    path: z.string().min(1).describe('Path of the file, relative to the working directory or absolute inside it'),
    caption: z.string().max(500).optional().describe('A short caption shown with the file'),
  },
}, async ({ path, caption }) => {
  try {
    const file = await resolveSessionFile(sessionDir, path, maxBytes);
    await writeSendRequest(outboxDir, { path: file.real, name: file.name, size: file.size, ...(caption ? { caption } : {}) });
    return { content: [{ type: 'text', text: `${file.name} (${formatBytes(file.size)}) will be attached to your answer in the chat.` }] };
  } catch (err) {
    const text = err instanceof BridgeError ? err.message : `The file could not be sent: ${(err as Error).message}`;
    return { isError: true, content: [{ type: 'text', text }] };
  }
});

await server.connect(new StdioServerTransport());
