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
});
