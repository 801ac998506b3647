/**
 * A tiny stdio MCP server for the elicitation tests, built on the official
 * `@modelcontextprotocol/sdk` (MCP spec 2025-06-18+, "Elicitation": a server asks the client for
 * input with `elicitation/create`, `mode: "form"` with a flat `requestedSchema`, or `mode: "url"`;
 * the client answers `{ action: "accept" | "decline" | "cancel", content? }`).
 *
 * Tools (the Anthropic stub asks for them with `USE:mcp__<server>__<tool> <JSON input>`):
 * - `form { message, schema }` — asks for a form with `schema` as `requestedSchema`;
 * - `link { message, url }` — asks the user to open `url` (URL mode);
 * and returns the client's answer as text: `<action> <JSON content>`, which the stub's next answer
 * shows (`ran: accept {"name":"Ada"}`), so a test sees what reached the server.
 *
 * Run as `tsx test/fakes/mcp-elicit-server.ts` by Claude Code from an `--mcp-config` entry
 * (see {@link elicitServerConfig}).
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';

/** The server's name in the MCP config: its tools are `mcp__elicit__form` and `mcp__elicit__link`. */
export const ELICIT_SERVER = 'elicit';

/** An `--mcp-config` JSON object that runs this server with the repository's tsx. */
export function elicitServerConfig(): { mcpServers: Record<string, { type: 'stdio'; command: string; args: string[] }> } {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const root = path.resolve(here, '..', '..');
  return {
    mcpServers: {
      [ELICIT_SERVER]: { type: 'stdio', command: path.join(root, 'node_modules', '.bin', 'tsx'), args: [path.join(here, 'mcp-elicit-server.ts')] },
    },
  };
}

async function main(): Promise<void> {
  const server = new McpServer({ name: ELICIT_SERVER, version: '1.0.0' });
  const reply = (r: { action: string; content?: unknown }) => ({
    content: [{ type: 'text' as const, text: `${r.action}${r.content === undefined ? '' : ` ${JSON.stringify(r.content)}`}` }],
  });
  server.registerTool('form', {
    description: 'Asks the user to fill in a form',
    inputSchema: { message: z.string(), schema: z.record(z.string(), z.unknown()) },
  }, async ({ message, schema }) => reply(await server.server.elicitInput({
    mode: 'form', message, requestedSchema: schema as never,
  })));
  server.registerTool('link', {
    description: 'Asks the user to open a link',
    inputSchema: { message: z.string(), url: z.string() },
  }, async ({ message, url }) => reply(await server.server.elicitInput({
    mode: 'url', message, url, elicitationId: randomUUID(),
  })));
  await server.connect(new StdioServerTransport());
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) void main();
