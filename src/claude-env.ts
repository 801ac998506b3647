/** The environment of every `claude` process (all-in-one bridge and runner alike). */

/** Variables the `claude` process must not inherit (it can run shell commands): the bot's and a runner's credentials. */
const PRIVATE_ENV = ['DISCORD_TOKEN', 'NATS_URL', 'NATS_USER', 'NATS_PASSWORD', 'NATS_CREDS', 'NATS_TLS_CA', 'NATS_TLS_CERT', 'NATS_TLS_KEY'];

/** The environment of every `claude` process: the bot's own, minus its secrets. */
export function claudeEnvironment(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && !PRIVATE_ENV.includes(k)) out[k] = v;
  return out;
}
