/**
 * Issue 6: the `claude-bridge` command line as an operator runs it (the real bin, a real database,
 * real tmux, the fake Discord for doctor and deploy-commands).
 */
import fs from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Harness } from '../helpers/harness.js';

const ENTRY = path.resolve(import.meta.dirname, '../../bin/claude-bridge.js');
let h: Harness;
let env: Record<string, string>;

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const r = await promisify(execFile)(process.execPath, [ENTRY, ...args], { env, encoding: 'utf8' }).catch((e) => e);
  return { code: typeof r.code === 'number' ? r.code : 0, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  h = await Harness.create();
  const alice = h.discord.addUser('alice');
  await h.startBot([alice]);
  await h.final(h.ask(alice, 'hello cli'), 'echo: hello cli (turn 1)');
  await h.bot!.stop(); // keeps the tmux process
  env = {
    ...h.cenv.env, DISCORD_TOKEN: 'MTA5ODc2NTQzMjEwOTg3NjU0.GabcDE.abcdefghijklmnopqrstuvwxyz0123456789AB',
    DISCORD_API_URL: h.discord.apiUrl, CLAUDE_WORKDIR: h.cenv.workDir, DATABASE_PATH: h.dbPath, RUN_DIR: h.runDir,
    TMUX_SOCKET: h.socket, DISCORD_GUILD_ID: h.discord.guildId,
  };
});
afterAll(async () => h?.close());

describe('claude-bridge CLI', () => {
  it('doctor prints a table and exits 1 on a failure, with the fix in one line', async () => {
    const r = await cli('doctor'); // the fake rejects this token: it is not the bot's
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/✅ tmux\s+tmux \d/);
    expect(r.stdout).toMatch(/✅ claude binary\s+.*2\.1\.\d+ \(Claude Code\)/);
    expect(r.stdout).toMatch(/✅ database\s+.*integrity ok, schema version \d+/);
    expect(r.stdout).toMatch(/❌ Discord API\s+reachable, but the token was rejected \(401\)/);
    expect(r.stdout).toContain('Discord API: Reset the bot token and update DISCORD_TOKEN');
    env.DISCORD_TOKEN = h.discord.token;
    const ok = await cli('doctor');
    expect(ok.stdout).toMatch(/✅ Discord API\s+.*token accepted/);
    expect(ok.stdout).toMatch(/✅ Message Content intent\s+enabled/);
    env.WORKSPACE_ROOT = path.join(h.cenv.workDir, 'elsewhere');
    fs.mkdirSync(env.WORKSPACE_ROOT);
    const outside = await cli('doctor');
    expect(outside.code).toBe(1);
    expect(outside.stdout).toMatch(/❌ workspace root\s+CLAUDE_WORKDIR \(.*\) is outside/);
    delete env.WORKSPACE_ROOT;
  });

  it('deploy-commands registers /claude over REST alone', async () => {
    h.discord.commands.clear();
    const r = await cli('deploy-commands');
    expect(r.stdout).toContain(`/claude registered for application ${h.discord.applicationId} (guild ${h.discord.guildId})`);
    expect(h.discord.commands.get('claude')?.guildId).toBe(h.discord.guildId);
  });

  it('sessions list / show / suspend, export and import', async () => {
    const list = await cli('sessions', 'list');
    const [row] = h.rows();
    expect(list.stdout).toContain(String(row!.id));
    expect(list.stdout).toContain(String(row!.claude_session_id));
    const show = await cli('sessions', 'show', String(row!.id));
    expect(show.stdout).toMatch(/turnCount\s+1/);
    expect(show.stdout).toContain('owed answers: none');
    expect((await cli('sessions', 'show', '../etc')).stderr).toContain('not a valid bridge session id');

    expect(h.tmuxSessions()).toEqual([`cdb-${row!.id}`]);
    expect((await cli('sessions', 'suspend', String(row!.id))).stdout).toContain('suspended (resumable)');
    expect(h.tmuxSessions()).toEqual([]);
    expect(h.rows()[0]).toMatchObject({ state: 'suspended', backend: null });

    const md = await cli('export', String(row!.id), '--format', 'markdown');
    expect(md.stdout).toContain('hello cli');
    const json = await cli('export', String(row!.claude_session_id), '--format', 'json');
    const file = path.join(h.cenv.workDir, '..', 'conv.json');
    fs.writeFileSync(file, json.stdout);
    const imported = await cli('import', file);
    expect(imported.stdout).toMatch(/Imported 2 messages as Claude session [0-9a-f-]{36}/);
    expect((await cli('export', 'x', '--format', 'pdf')).stderr).toContain('--format must be one of markdown, json, jsonl');
  });

  it('audit lists who did what, when, with what result', async () => {
    const out = (await cli('audit', '--limit', '10')).stdout.trim().split('\n');
    expect(out[0]).toMatch(/^when \(UTC\)\s+user\s+kind\s+action\s+result/);
    const alice = h.rows('SELECT owner_id FROM sessions')[0]!.owner_id as string;
    expect(out.slice(1)).toContainEqual(expect.stringMatching(new RegExp(`^\\d{4}-\\d\\d-\\d\\d [\\d:]{8}  ${alice}\\s+command\\s+ask\\s+ok`)));
  });

  it('db backup makes a consistent copy; db migrate reports the schema', async () => {
    const target = path.join(h.cenv.workDir, '..', 'backup.db');
    expect((await cli('db', 'backup', target)).stdout).toContain(`backed up ${h.dbPath}`);
    const copy = new Database(target, { readonly: true });
    expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
    expect((copy.prepare('SELECT COUNT(*) AS n FROM sessions').get() as { n: number }).n).toBe(1);
    copy.close();
    expect((await cli('db', 'migrate')).stdout).toMatch(/schema version \d+ \(current\)/);
  });
});
