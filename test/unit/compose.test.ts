/**
 * No Docker engine runs here, so what can be checked is checked: the compose file parses, runs the
 * bot with tmux, keeps data/ and Claude Code's config home in volumes, health-checks with doctor, and
 * names every variable the config schema knows (so none is silently unavailable in a container).
 * Issue 13: every directory compose mounts is one the entrypoint hands to `node` when Docker created
 * it root-owned, and the entrypoint itself is run (as root, dropping to a uid-1000 user) where it can.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { loadConfig } from '../../src/config/load.js';

const root = path.resolve(import.meta.dirname, '../..');
const compose = parse(fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'));
const bot = compose.services.bot;
const { nats, hub, runner } = compose.services;

describe('docker-compose.yml and Dockerfile', () => {
  it('names every configuration variable, and what it sets fixed is valid config', () => {
    const names = Object.keys(bot.environment);
    for (const key of Object.keys(configSchema.shape)) expect(names, key).toContain(key);
    const fixed = Object.fromEntries(Object.entries(bot.environment as Record<string, string>).filter(([, v]) => !String(v).startsWith('${')));
    const blank = Object.fromEntries(names.filter((n) => !(n in fixed)).map((n) => [n, ''])); // ${VAR:-} unset
    expect(() => loadConfig({ env: { ...blank, ...fixed }, envFile: path.join(root, 'no-such.env') })).not.toThrow();
  });

  it('keeps the store and Claude Code config in volumes, reads .env, and health-checks with doctor', () => {
    expect(bot.volumes.some((v: string) => v.endsWith(':/app/data'))).toBe(true);
    expect(bot.volumes.some((v: string) => v.endsWith(':/home/node/.claude'))).toBe(true);
    expect(bot.env_file).toEqual([{ path: '.env', required: false }]);
    expect(bot.healthcheck.test).toEqual(['CMD', 'claude-bridge', 'doctor']);
    const dockerfile = fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^FROM node:(22|24)-/m);
    expect(dockerfile).toMatch(/apt-get install[^\n]*\btmux\b/);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["bridge-entrypoint"\]$/m);
    expect(dockerfile).toMatch(/^CMD \["claude-bridge", "start"\]$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .* CMD \["claude-bridge", "doctor"\]$/m);
    expect(dockerfile).toContain('exec bridge-entrypoint node /app/bin/claude-bridge.js');
  });

  it('starts as root only to hand every mounted directory to node, then drops to node', () => {
    const dockerfile = fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8');
    expect(dockerfile).not.toMatch(/^USER /m); // the entrypoint drops root itself
    expect(dockerfile).toContain('COPY docker/entrypoint.sh /usr/local/bin/bridge-entrypoint');
    const script = fs.readFileSync(path.join(root, 'docker/entrypoint.sh'), 'utf8');
    const dirs = /BRIDGE_DIRS:-([^}"]+)/.exec(script)![1]!.split(' ');
    expect(script).toMatch(/user="\$\{BRIDGE_USER:-node\}"/);
    expect(script).toContain('exec setpriv --reuid="$user" --regid="$user" --init-groups -- "$@"');
    const targets = (bot.volumes as string[]).map((v) => /:(\/[^:]*)(:r[ow])?$/.exec(v)![1]); // source may be ${VAR:-default}
    for (const t of targets) expect(dirs, t).toContain(t);
    for (const d of dirs) expect(dockerfile, d).toMatch(new RegExp(`chown -R node:node[^\n]*${d.replace(/\./g, '\\.')}`));
  });

  // As root with setpriv and a uid-1000 user (as in the image), the real script runs here.
  const user = process.getuid?.() === 0 ? spawnSync('getent', ['passwd', '1000'], { encoding: 'utf8' }).stdout.split(':')[0] : '';
  const hasSetpriv = spawnSync('setpriv', ['--version']).status === 0;
  it.runIf(Boolean(user) && hasSetpriv)('the entrypoint hands an empty root-owned directory over, leaves a full one with one line, and runs as uid 1000', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cdb-entry-'));
    try {
      fs.chmodSync(tmp, 0o755);
      const [empty, full, fresh] = ['empty', 'full', 'fresh'].map((n) => path.join(tmp, n));
      fs.mkdirSync(empty!);
      fs.mkdirSync(full!);
      fs.writeFileSync(path.join(full!, 'code.ts'), '');
      const r = spawnSync('sh', [path.join(root, 'docker/entrypoint.sh'), 'sh', '-c', 'echo "$(id -u) $HOME"'], {
        encoding: 'utf8', env: { PATH: process.env.PATH, BRIDGE_USER: user, BRIDGE_DIRS: `${empty} ${full} ${fresh}` },
      });
      const home = execFileSync('getent', ['passwd', '1000'], { encoding: 'utf8' }).split(':')[5];
      expect(r.stdout).toBe(`1000 ${home}\n`);
      expect(fs.statSync(empty!).uid).toBe(1000);
      expect(fs.statSync(fresh!).uid).toBe(1000);
      expect(fs.statSync(full!).uid).toBe(0);
      expect(r.stderr.trim().split('\n')).toEqual([expect.stringContaining(`${full} is not writable by the container's user ${user} (uid 1000). On the host: sudo chown -R 1000:`)]);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  describe('several machines (profile several-machines)', () => {
    const fixedEnv = (service: { environment: Record<string, string> }) =>
      Object.fromEntries(Object.entries(service.environment).filter(([, v]) => !String(v).startsWith('${')));

    it('leaves `docker compose up -d` as it was: only the bot has no profile', () => {
      expect(bot.profiles).toBeUndefined();
      for (const name of ['nats', 'hub', 'runner']) expect(compose.services[name].profiles, name).toEqual(['several-machines']);
    });

    it('runs the official nats image with JetStream, the generated config read-only and its data in a volume', () => {
      expect(nats.image).toMatch(/^nats:2\.\d+/);
      expect(nats.command).toEqual(['-js', '-c', '/etc/nats/nats-server.conf']); // run as is: test/integration/nats-config.test.ts
      expect(nats.volumes).toContain('./nats/nats-server.conf:/etc/nats/nats-server.conf:ro');
      expect(nats.volumes).toContain('nats-data:/data');
      expect(Object.keys(compose.volumes)).toContain('nats-data');
    });

    it('reads the files nats-config writes, under the names it writes them', async () => {
      const { writeNatsConfig } = await import('../../src/cli/nats-config.js');
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cdb-compose-'));
      try {
        const written = writeNatsConfig({ runners: ['laptop'], out: path.join(tmp, 'nats') }).map((f) => path.relative(tmp, f.file));
        expect(written).toContain(/^\.\/([^:]*):/.exec(nats.volumes[0])![1]);
        expect(written).toContain(hub.env_file.at(-1).path);
        expect(written).toContain(runner.env_file[0].path.replace('${RUNNER_NAME:-}', 'laptop'));
      } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
      }
    });

    it('runs the hub (command hub) with Discord settings from .env and NATS on the compose network', () => {
      expect(hub.image).toBe(bot.image);
      expect(hub.command).toEqual(['claude-bridge', 'hub']);
      expect(hub.env_file[0]).toEqual({ path: '.env', required: false });
      expect(hub.depends_on).toEqual(['nats']);
      expect(hub.healthcheck.test).toEqual(['CMD', 'claude-bridge', 'doctor']); // checked as a hub: test/integration/doctor-nats.test.ts
      const env = fixedEnv(hub);
      expect(env).toMatchObject({ NATS_URL: 'nats://nats:4222', NATS_ALLOW_PLAINTEXT: 'true' });
      expect(() => loadConfig({ env, envFile: path.join(root, 'no-such.env') })).not.toThrow();
    });

    it('runs a runner with its own name, env file and volumes, and no Discord token', () => {
      expect(runner.image).toBe(bot.image);
      expect(runner.command).toEqual(['claude-bridge', 'runner', '--name', '${RUNNER_NAME:-}']);
      expect(runner.env_file).toHaveLength(1); // not .env: the bot's Discord token stays off this machine
      expect(Object.keys(runner.environment)).not.toContain('DISCORD_TOKEN');
      expect(Object.keys(runner.environment).filter((k) => k.startsWith('NATS_'))).toEqual([]); // they come from its env file
      const env = fixedEnv(runner);
      expect(() => loadConfig({ env, envFile: path.join(root, 'no-such.env') })).not.toThrow();
      const script = fs.readFileSync(path.join(root, 'docker/entrypoint.sh'), 'utf8');
      const dirs = /BRIDGE_DIRS:-([^}"]+)/.exec(script)![1]!.split(' ');
      const mounts = (service: { volumes: string[] }) => new Map(service.volumes.map((v) => {
        const target = /:(\/[^:]*)(:r[ow])?$/.exec(v)![1]!;
        return [target, v.slice(0, v.lastIndexOf(`:${target}`))];
      }));
      const mine = mounts(runner);
      for (const target of mine.keys()) expect(dirs, target).toContain(target);
      for (const own of ['/app/data', '/home/node/.claude']) expect(mine.get(own), own).not.toBe(mounts(bot).get(own)); // a runner next to a bot shares no state
    });
  });
});
