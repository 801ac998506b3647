/**
 * The bot's local control socket: one writer for the store. While the bot runs, `claude-bridge
 * sessions suspend|kill` ask it over a Unix socket (`<RUN_DIR>/control.sock`, mode 0600, so only
 * the bot's own user can use it) and the session's loop does the work at once; with no bot running
 * the CLI writes the store itself. Protocol: one JSON request line, one JSON answer line.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import { BridgeError, userFacingMessage } from '../core/errors.js';
import { parseBridgeSessionId } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import type { SessionManager } from '../sessions/manager.js';

const requestSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('suspend'), id: z.string() }),
  z.object({ op: z.literal('kill'), id: z.string() }),
  z.object({ op: z.literal('kill-all') }),
]);
export type ControlRequest = z.infer<typeof requestSchema>;
export interface ControlAnswer { ok: boolean; message: string }

/** Where the control socket of a bot with this run directory lives. */
export function controlSocketPath(runDir: string): string {
  return path.join(path.resolve(runDir), 'control.sock');
}

/** Does what a request asks, through the manager's public API. */
async function perform(manager: SessionManager, req: ControlRequest): Promise<string> {
  if (req.op === 'kill-all') return `stopped ${await manager.clearAllSessions()} sessions (records kept, resumable)`;
  const id = parseBridgeSessionId(req.id);
  if (req.op === 'kill') {
    await manager.clearSession(id);
    return `${id}: process ended, session stopped`;
  }
  const session = manager.getSession(id);
  if (!session) throw new BridgeError('SESSION_NOT_FOUND');
  const ended = await session.suspend('operator');
  return ended ? `${id}: process ended, session suspended (resumable)` : `${id}: had no process (${session.state})`;
}

/**
 * Listens on `socketPath` (replacing a stale socket file). @returns a function that closes it.
 * @throws the listen error (e.g. EADDRINUSE when another bot uses the same run directory)
 */
export async function startControlServer(socketPath: string, manager: SessionManager, log: Logger): Promise<() => Promise<void>> {
  fs.mkdirSync(path.dirname(socketPath), { recursive: true });
  if (await answers(socketPath)) throw new BridgeError('CONFIG_INVALID', { detail: `another bot already runs with RUN_DIR ${path.dirname(socketPath)}` });
  fs.rmSync(socketPath, { force: true });
  const server = net.createServer((conn) => {
    let buf = '';
    conn.setEncoding('utf8');
    const onData = (chunk: string) => {
      buf += chunk;
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      conn.off('data', onData); // one request per connection: nothing after it is acted on
      const line = buf.slice(0, nl);
      void (async (): Promise<ControlAnswer> => {
        try {
          const req = requestSchema.parse(JSON.parse(line));
          log.info({ req }, 'control request');
          return { ok: true, message: await perform(manager, req) };
        } catch (err) {
          log.warn({ err }, 'control request failed');
          return { ok: false, message: err instanceof z.ZodError || err instanceof SyntaxError ? 'bad request' : userFacingMessage(err, 'see the bot log') };
        }
      })().then((answer) => conn.end(`${JSON.stringify(answer)}\n`));
    };
    conn.on('data', onData);
    conn.on('error', () => undefined);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  fs.chmodSync(socketPath, 0o600);
  return () => new Promise((resolve) => server.close(() => { fs.rmSync(socketPath, { force: true }); resolve(); }));
}

/** Whether a bot answers on `socketPath`. */
async function answers(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect(socketPath, () => { c.destroy(); resolve(true); });
    c.on('error', () => resolve(false));
  });
}

/**
 * Sends a request to the running bot. @returns its answer, or `null` when no bot listens (no
 * socket, or a stale one): the caller then acts on the store itself.
 */
export async function sendControl(socketPath: string, req: ControlRequest, timeoutMs = 30_000): Promise<ControlAnswer | null> {
  return new Promise((resolve, reject) => {
    const c = net.connect(socketPath);
    let buf = '';
    const timer = setTimeout(() => { c.destroy(); reject(new Error(`the bot did not answer within ${timeoutMs / 1000} s`)); }, timeoutMs);
    c.setEncoding('utf8');
    c.on('connect', () => c.write(`${JSON.stringify(req)}\n`));
    c.on('data', (d) => { buf += d; });
    c.on('end', () => { clearTimeout(timer); resolve(JSON.parse(buf) as ControlAnswer); });
    c.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED') resolve(null);
      else reject(err);
    });
  });
}
