/**
 * The end-to-end rig: the Anthropic stub, the fake Discord, a throwaway Claude config home and work
 * directory, a private tmux socket, and the bot run as `npm start` runs it — restartable, killable.
 */
import path from 'node:path';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { startAnthropicStub, type AnthropicStub, type AnthropicStubOptions } from '../fakes/anthropic-stub.js';
import { FakeDiscord, type FakeDiscordOptions, type FakeUser, type Interaction, type StoredMessage } from '../fakes/discord/server.js';
import { startBotProcess, type BotProcess } from './bot-process.js';
import { makeClaudeTestEnv, type ClaudeTestEnv } from './claude-env.js';

let harnesses = 0;

/** The custom ids of a message's buttons. */
export function buttonIds(m: StoredMessage): string[] {
  return (m.components as Array<{ components?: Array<{ custom_id?: string }> }>).flatMap((r) => r.components ?? []).map((c) => c.custom_id ?? '');
}

/** Whether the message has a button for `action` (`cdb:<action>:…`). */
export function hasButton(m: StoredMessage, action: string): boolean {
  return buttonIds(m).some((id) => id.startsWith(`cdb:${action}:`));
}

export class Harness {
  bot: BotProcess | null = null;
  readonly socket = `cdb-h${process.pid}-${++harnesses}`;
  readonly dbPath: string;
  readonly runDir: string;

  private constructor(readonly stub: AnthropicStub, readonly discord: FakeDiscord, readonly cenv: ClaudeTestEnv) {
    this.dbPath = path.join(cenv.workDir, '..', 'data', 'sessions.db');
    this.runDir = path.join(cenv.workDir, '..', 'run');
  }

  static async create(stubOptions: AnthropicStubOptions = {}, discordOptions: Partial<FakeDiscordOptions> = {}): Promise<Harness> {
    const stub = await startAnthropicStub(stubOptions);
    const discord = await FakeDiscord.start({ token: 'fake-bot-token', ...discordOptions });
    return new Harness(stub, discord, makeClaudeTestEnv(stub.url));
  }

  /** A rig with these users (all allowed) and the bot started: the usual start of a suite. */
  static async withBot(names: string[], stubOptions: AnthropicStubOptions = {}): Promise<{ h: Harness; users: FakeUser[] }> {
    const h = await Harness.create(stubOptions);
    const users = names.map((n) => h.discord.addUser(n));
    await h.startBot(users);
    return { h, users };
  }

  /** Starts the bot with these users allowed; resolves once `/claude` is registered. */
  async startBot(allowed: FakeUser[], env: Record<string, string> = {}): Promise<BotProcess> {
    const registered = this.discord.calls.filter((c) => c.method === 'PUT' && c.path.includes('/commands')).length;
    this.bot = startBotProcess({
      ...this.cenv.env,
      DISCORD_TOKEN: this.discord.token, DISCORD_API_URL: this.discord.apiUrl, DISCORD_GUILD_ID: this.discord.guildId,
      ALLOWED_USER_IDS: allowed.map((u) => u.id).join(','), CLAUDE_WORKDIR: this.cenv.workDir, DATABASE_PATH: this.dbPath,
      RUN_DIR: this.runDir, TMUX_SOCKET: this.socket, SESSION_BACKEND: 'tmux', LOG_LEVEL: 'debug', THREADS: 'false',
      // No spare processes unless a test asks (test/e2e/spares.test.ts): the others count processes.
      SPARE_PROCESSES: '0', ...env,
    });
    const bot = this.bot;
    await this.discord
      .waitFor(() => this.discord.calls.filter((c) => c.method === 'PUT' && c.path.includes('/commands') && c.status === 200).length > registered, 30_000, '/claude registration')
      .catch((err) => { throw new Error(`${err.message}\nbot output:\n${bot.output().slice(-4000)}`); });
    return bot;
  }

  ask(user: FakeUser, prompt: string): Interaction {
    return this.discord.injectCommand({ user, name: 'claude', subcommand: 'ask', options: { prompt } });
  }

  /** The reply message of an interaction once it satisfies `done` (default: final, no buttons). */
  reply(i: Interaction, match: (m: StoredMessage) => boolean, what = 'reply', timeoutMs = 45_000): Promise<StoredMessage> {
    return this.discord.waitFor(() => this.discord.responsesTo(i).find(match), timeoutMs, what).catch((err) => {
      throw new Error(`${err.message}\nresponses: ${JSON.stringify(this.discord.responsesTo(i).map((m) => m.content))}\nbot output:\n${this.bot?.output().slice(-4000)}`);
    });
  }

  /** The final answer: it contains `prefix` and no longer carries the Stop button. */
  final(i: Interaction, prefix: string): Promise<StoredMessage> {
    return this.reply(i, (m) => m.content.includes(prefix) && !hasButton(m, 'stop'), `final answer "${prefix}"`);
  }

  rows(sql = 'SELECT * FROM sessions'): Array<Record<string, unknown>> {
    const db = new Database(this.dbPath, { readonly: true });
    try { return db.prepare(sql).all() as Array<Record<string, unknown>>; } finally { db.close(); }
  }

  /** Runs `claude-bridge <args>` as an operator would, against this bot's store, socket and run dir. */
  async cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const env = {
      ...this.cenv.env, DISCORD_TOKEN: this.discord.token, DISCORD_API_URL: this.discord.apiUrl, CLAUDE_WORKDIR: this.cenv.workDir,
      DATABASE_PATH: this.dbPath, RUN_DIR: this.runDir, TMUX_SOCKET: this.socket,
    };
    const entry = path.resolve(import.meta.dirname, '../../bin/claude-bridge.js');
    const r = await promisify(execFile)(process.execPath, [entry, ...args], { env, encoding: 'utf8' }).catch((e) => e);
    return { code: typeof r.code === 'number' ? r.code : 0, stdout: r.stdout, stderr: r.stderr };
  }

  tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8' });
  }

  tmuxSessions(): string[] {
    try { return this.tmux('list-sessions', '-F', '#{session_name}').split('\n').filter(Boolean); } catch { return []; }
  }

  async close(): Promise<void> {
    await this.bot?.stop();
    await this.discord.close();
    await this.stub.close();
    try { execFileSync('tmux', ['-L', this.socket, 'kill-server'], { stdio: 'ignore' }); } catch { /* gone */ }
  }
}
