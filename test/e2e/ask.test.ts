/**
 * End to end, all real parts but Discord and Anthropic's servers: the bot process (as `npm start`
 * runs it) + real discord.js against the fake Discord, real tmux, real SQLite, and the real bundled
 * `claude` CLI against the local Anthropic stub.
 */
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transcriptPath } from '../../src/claude/slug.js';
import { startAnthropicStub, type AnthropicStub } from '../fakes/anthropic-stub.js';
import { FakeDiscord, type FakeUser, type StoredMessage } from '../fakes/discord/server.js';
import { startBotProcess, type BotProcess } from '../helpers/bot-process.js';
import { makeClaudeTestEnv, type ClaudeTestEnv } from '../helpers/claude-env.js';
import { hasButton } from '../helpers/harness.js';

const socket = `cdb-e2e-${process.pid}`;
let stub: AnthropicStub;
let discord: FakeDiscord;
let bot: BotProcess;
let cenv: ClaudeTestEnv;
let dbPath: string;
let alice: FakeUser;
let mallory: FakeUser;

const stopButton = (m: StoredMessage) =>
  (m.components as Array<{ components: Array<{ custom_id: string }> }>).flatMap((r) => r.components).find((c) => c.custom_id.startsWith('cdb:stop:'));

beforeAll(async () => {
  stub = await startAnthropicStub({ slowDelayMs: 150, slowPieces: 400 });
  discord = await FakeDiscord.start({ token: 'fake-bot-token' });
  alice = discord.addUser('alice');
  mallory = discord.addUser('mallory');
  cenv = makeClaudeTestEnv(stub.url);
  dbPath = path.join(cenv.workDir, '..', 'data', 'sessions.db');
  bot = startBotProcess({
    ...cenv.env,
    DISCORD_TOKEN: discord.token,
    DISCORD_API_URL: discord.apiUrl,
    DISCORD_GUILD_ID: discord.guildId,
    ALLOWED_USER_IDS: alice.id,
    CLAUDE_WORKDIR: cenv.workDir,
    DATABASE_PATH: dbPath,
    RUN_DIR: path.join(cenv.workDir, '..', 'run'),
    TMUX_SOCKET: socket,
    SESSION_BACKEND: 'tmux',
    LOG_LEVEL: 'debug',
  });
  await discord.waitFor(() => discord.commands.get('claude'), 30_000, '/claude registration').catch((err) => {
    throw new Error(`${err.message}\nbot output:\n${bot.output()}`);
  });
});

afterAll(async () => {
  const code = await bot?.stop();
  expect(code).toBe(0); // graceful shutdown
  await discord?.close();
  await stub?.close();
  try { execFileSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' }); } catch { /* gone */ }
});

async function ask(user: FakeUser, prompt: string) {
  const interaction = discord.injectCommand({ user, name: 'claude', subcommand: 'ask', options: { prompt } });
  return interaction;
}

describe('/claude ask end to end', () => {
  it('registers /claude in the configured guild: ask with a required prompt, and every subcommand', () => {
    const cmd = discord.commands.get('claude')!;
    expect(cmd.guildId).toBe(discord.guildId);
    const options = cmd.options as Array<{ type: number; name: string; options?: unknown[] }>;
    expect(options.find((o) => o.name === 'ask')).toMatchObject({ type: 1, options: [{ type: 3, name: 'prompt', required: true }] });
    expect(options.map((o) => o.name).sort()).toEqual(
      ['ask', 'branch', 'clean', 'continue', 'export', 'import', 'info', 'model', 'new', 'regenerate', 'resume', 'sessions', 'stop']);
    expect(options.every((o) => o.type === 1)).toBe(true);
  });

  it('streams the answer into the channel, then continues the same Claude session', async () => {
    const first = await ask(alice, 'hello bridge');
    const answer = await discord.waitFor(() => discord.responsesTo(first).find((m) => m.content.startsWith('echo: hello bridge (turn 1)') && !hasButton(m, 'stop')), 40_000, 'first answer').catch((err) => {
      throw new Error(`${err.message}\nresponses: ${JSON.stringify(discord.responsesTo(first))}\nbot output:\n${bot.output().slice(-6000)}`);
    });
    expect(discord.channelMessages()).toContainEqual(answer); // visible to the channel, not ephemeral
    expect(['continue', 'regenerate', 'branch', 'export'].every((a) => hasButton(answer, a))).toBe(true);
    const edits = discord.calls.filter((c) => c.method === 'PATCH' && c.path.includes(first.token));
    expect(edits.every((c) => c.path.endsWith('/messages/%40original'))).toBe(true);
    expect(edits.length).toBeGreaterThan(0);

    const second = await ask(alice, 'and again');
    await discord.waitFor(() => discord.responsesTo(second).find((m) => m.content.startsWith('echo: and again (turn 2)')), 60_000, 'second answer');

    const db = new Database(dbPath, { readonly: true });
    const rows = db.prepare('SELECT * FROM sessions').all() as Array<Record<string, unknown>>;
    db.close();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ owner_id: alice.id, channel_id: discord.channelId, guild_id: discord.guildId, cwd: cenv.workDir, message_count: 2, turn_count: 2, backend: 'tmux' });
    expect(rows[0]!.cost_usd).toBeGreaterThan(0);
    const transcript = transcriptPath(cenv.configDir, cenv.workDir, rows[0]!.claude_session_id as never);
    expect(fs.readFileSync(transcript, 'utf8')).toContain('and again');
  });

  it('Stop interrupts a slow turn and the next ask still works', async () => {
    const slow = await ask(alice, 'SLOW story');
    const streaming = await discord.waitFor(() => discord.responsesTo(slow).find((m) => /\d+ \d+ /.test(m.content) && stopButton(m)), 60_000, 'streaming text');
    const notOwner = discord.injectButton({ user: mallory, message: streaming, customId: stopButton(streaming)!.custom_id });
    discord.injectButton({ user: alice, message: streaming, customId: stopButton(streaming)!.custom_id });
    const stopped = await discord.waitFor(() => discord.responsesTo(slow).find((m) => m.content.includes('stopped') && !hasButton(m, 'stop')), 30_000, 'stopped turn');
    const edits = discord.calls.filter((c) => c.method === 'PATCH' && c.path.includes(slow.token)).map((c) => c.at);
    for (let k = 1; k < edits.length; k++) expect(edits[k]! - edits[k - 1]!).toBeGreaterThanOrEqual(990); // ≥ 1 s apart
    expect(discord.limiter.limited.size).toBe(0); // never answered 429
    expect(stopped.content).not.toContain('echo: SLOW story'); // the full answer never arrived
    const refusal = await discord.waitFor(() => discord.responsesTo(notOwner)[0], 10_000, 'refusal');
    expect(refusal.flags & 64).toBe(64);

    const after = await ask(alice, 'after the stop');
    await discord.waitFor(() => discord.responsesTo(after).find((x) => x.content.startsWith('echo: after the stop (turn') && !hasButton(x, 'stop')), 60_000, 'answer after stop');
  });

  it('refuses a user who is not on the allowlist, ephemerally, naming their id; no process is asked', async () => {
    const before = stub.requests.length;
    const i = await ask(mallory, 'let me in');
    const refusal = await discord.waitFor(() => discord.responsesTo(i)[0], 10_000, 'refusal');
    expect(refusal.flags & 64).toBe(64);
    expect(refusal.content).toContain(mallory.id);
    expect(refusal.content).toContain('ALLOWED_USER_IDS');
    await new Promise((r) => setTimeout(r, 300));
    expect(stub.requests.length).toBe(before);
  });
});
