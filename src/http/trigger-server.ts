/**
 * The trigger listener: `POST /triggers/<name>` on hono with @hono/node-server, bound to
 * `TRIGGER_HOST` (default 127.0.0.1). The raw body is read as bytes, at most
 * {@link TRIGGER_BODY_LIMIT} (a longer one is cut off unread: 413), and handed to
 * {@link Triggers.receive}, which checks the signature, the delivery id and the rate.
 */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Logger } from '../core/logger.js';
import { TRIGGER_BODY_LIMIT, type Triggers } from '../sessions/triggers.js';

/** The hono app (exported for tests that call `app.request` directly). */
export function triggerApp(triggers: Triggers): Hono {
  const app = new Hono();
  app.post(
    '/triggers/:name',
    bodyLimit({ maxSize: TRIGGER_BODY_LIMIT, onError: (c) => c.json({ error: `the body is over ${TRIGGER_BODY_LIMIT} bytes` }, 413) }),
    async (c) => {
      const body = Buffer.from(await c.req.arrayBuffer());
      const headers: Record<string, string> = {};
      c.req.raw.headers.forEach((v, k) => (headers[k.toLowerCase()] = v));
      const out = triggers.receive(c.req.param('name'), body, headers);
      if (out.retryAfter !== undefined) c.header('Retry-After', String(out.retryAfter));
      return c.json(out.status === 202 ? { status: 'accepted', run: out.runId } : { error: out.message }, out.status);
    },
  );
  app.all('*', (c) => c.json({ error: 'not found: POST /triggers/<name>' }, 404));
  return app;
}

/**
 * Listens on `host:port` (port 0: any free port).
 * @returns the bound port and a function that closes the listener
 * @throws Error when the port cannot be bound (EADDRINUSE, EACCES)
 */
export async function startTriggerServer(triggers: Triggers, o: { host: string; port: number; log: Logger }): Promise<{ port: number; close(): Promise<void> }> {
  const app = triggerApp(triggers);
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: o.host, port: o.port }, (info: AddressInfo) => {
      o.log.info({ host: o.host, port: info.port }, 'trigger listener up: POST /triggers/<name>');
      resolve({
        port: info.port,
        close: () => new Promise<void>((done) => {
          server.close(() => done());
          if ('closeAllConnections' in server) server.closeAllConnections(); // idle keep-alive sockets
        }),
      });
    });
    server.once('error', reject);
  });
}
