/**
 * The configuration's NATS keys as {@link NatsOptions}: one mapping for every process that connects
 * (runner, hub, doctor), so each gets the same credentials and TLS rules (`connectNats` checks them).
 */
import type { Config } from './config/load.js';
import type { NatsOptions } from './remote/jetstream.js';

/**
 * `NATS_URL`, `NATS_USER` + `NATS_PASSWORD` or `NATS_CREDS`, `NATS_TLS_CA` / `NATS_TLS_CERT` /
 * `NATS_TLS_KEY`, `NATS_ALLOW_PLAINTEXT`, plus this connection's name and reply-inbox prefix.
 * @throws Error when `NATS_URL` is unset (callers check it first, with their own message)
 */
export function natsOptions(config: Config, o: { name: string; inboxPrefix?: string }): NatsOptions {
  if (!config.NATS_URL) throw new Error('NATS_URL is not set');
  const tls = config.NATS_TLS_CA || config.NATS_TLS_CERT || config.NATS_TLS_KEY
    ? { caFile: config.NATS_TLS_CA, certFile: config.NATS_TLS_CERT, keyFile: config.NATS_TLS_KEY }
    : undefined;
  return {
    url: config.NATS_URL, user: config.NATS_USER, password: config.NATS_PASSWORD, creds: config.NATS_CREDS,
    name: o.name, inboxPrefix: o.inboxPrefix, tls, allowPlaintext: config.NATS_ALLOW_PLAINTEXT,
  };
}
