/**
 * Issue 4, end to end: Claude Code's own files are the source of truth. Sessions started in a
 * terminal are listed and resumed from Discord, a Discord session continued in a terminal is picked
 * up, history.jsonl gets the bridge's prompts, clean and import work, bad input is refused.
 */
import fs from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveClaudeBinary } from '../../src/claude/binary.js';
import type { FakeUser, Interaction, OptionValue } from '../fakes/discord/server.js';
import { Harness } from '../helpers/harness.js';

let h: Harness;
let alice: FakeUser;
let bob: FakeUser;
const claude = resolveClaudeBinary(undefined, { PATH: '' }).path;

/**
 * `claude -p` run as a person would in a terminal, in the bot's working directory. Async: the stub
 * it talks to lives in this process. stdin is closed (an open silent stdin makes `-p` wait 3 s).
 */
async function terminal(prompt: string, session: { id?: string; resume?: string }): Promise<string> {
  const args = ['-p', prompt, ...(session.resume ? ['--resume', session.resume] : ['--session-id', session.id!])];
  const child = promisify(execFile)(claude, args, { cwd: h.cenv.workDir, env: h.cenv.env, encoding: 'utf8' });
  child.child.stdin?.end();
  return (await child).stdout.trim();
}

beforeAll(async () => {
  ({ h, users: [alice, bob] } = await Harness.withBot(['alice', 'bob']) as { h: Harness; users: [FakeUser, FakeUser] });
});
afterAll(async () => h?.close());

const command = (user: FakeUser, subcommand: string, options: Record<string, OptionValue> = {}) =>
  h.discord.injectCommand({ user, name: 'claude', subcommand, options });
const firstReply = (i: Interaction, what: string) => h.reply(i, (m) => m.content.length > 0, what);
const turnOf = (text: string) => Number(/\(turn (\d+)\)/.exec(text)?.[1] ?? NaN);
const current = (user: FakeUser) => h.rows(`SELECT * FROM sessions WHERE owner_id = '${user.id}' ORDER BY last_activity_at DESC`)[0]!;

describe('Claude Code files as the source of truth', () => {
  const termId = randomUUID();

  it('lists a terminal session of the directory and resumes it from the menu, with its context', async () => {
    expect(await terminal('typed in a terminal', { id: termId })).toBe('echo: typed in a terminal (turn 1)');
    const listing = await h.reply(command(alice, 'sessions'), (m) => m.content.includes(termId), 'listing');
    expect(listing.flags & 64).toBe(64);
    expect(listing.content).toContain('typed in a terminal');
    expect(listing.content).toMatch(/terminal · 1 prompts/);
    const menu = h.discord.injectSelect({ user: alice, message: listing, customId: 'cdb:resume', values: [termId] });
    await h.discord.waitFor(() => h.discord.messages.get(listing.id)!.content.startsWith('▶️ Resumed'), 10_000, 'resumed');
    expect(menu.acked).toBe(true);
    expect(current(alice).claude_session_id).toBe(termId);
    await h.final(h.ask(alice, 'from discord'), 'echo: from discord (turn 2)');
    const historyFile = `${h.cenv.configDir}/history.jsonl`; // appended after the answer, asynchronously
    const lines = await h.discord.waitFor(() => fs.existsSync(historyFile) && fs.readFileSync(historyFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l)), 5000, 'history.jsonl');
    expect(lines.at(-1)).toMatchObject({ display: 'from discord', project: h.cenv.workDir, sessionId: termId });
  });

  it('a Discord session continued in a terminal is picked up by the next Discord message', async () => {
    expect(await terminal('terminal again', { resume: termId })).toBe('echo: terminal again (turn 3)');
    const m = await h.final(h.ask(alice, 'back in discord'), 'echo: back in discord');
    expect(turnOf(m.content)).toBe(4); // it saw the terminal's turn
    expect(m.content).toContain('went on elsewhere');
  });

  it('another user never sees or takes someone else\'s session; resume autocompletes only resumable ones', async () => {
    const listing = await firstReply(command(bob, 'sessions'), 'bob listing');
    expect(listing.content).not.toContain(termId); // bound to alice now
    const taken = await firstReply(command(bob, 'resume', { session: termId }), 'refusal');
    expect(taken.content).toBe('That session belongs to someone else.');
    const ac = h.discord.injectAutocomplete({ user: alice, name: 'claude', subcommand: 'resume', focused: 'session', value: 'typed' });
    await h.discord.waitFor(() => ac.choices, 5000, 'choices');
    expect(ac.choices!.map((c) => c.value)).toEqual([termId]);
  });

  it('refuses ids that are not UUIDs (no path traversal) and unknown sessions', async () => {
    const bad = await firstReply(command(alice, 'resume', { session: '../../../etc/passwd' }), 'refusal');
    expect(bad.content).toBe('That is not a valid Claude session id.');
    const unknown = await firstReply(command(alice, 'resume', { session: randomUUID() }), 'refusal');
    expect(unknown.content).toBe('No Claude Code session with that id exists in this working directory.');
  });

  it('imports a JSON export into a new session that continues it; refuses a file that is not a conversation', async () => {
    const exported = await h.reply(command(alice, 'export', { format: 'json' }), (m) => m.attachments.length > 0, 'export');
    const text = (exported.attachments[0] as { text: string }).text;
    const done = await h.reply(command(alice, 'import', { file: { attachment: { name: 'conv.json', content: text } } }), (m) => m.content.startsWith('📥'), 'import');
    expect(done.content).toContain('Imported 8 messages');
    expect(turnOf((await h.final(h.ask(alice, 'after import'), 'echo: after import')).content)).toBe(5);
    const junk = await firstReply(command(alice, 'import', { file: { attachment: { name: 'x.txt', content: 'hello\nworld' } } }), 'refusal');
    expect(junk.content).toContain('neither a Claude Code transcript');
  });

  it('clean removes sessions untouched for N days, then their transcripts after confirmation', async () => {
    await h.final(h.ask(bob, 'old stuff'), 'echo: old stuff (turn 1)');
    const old = current(bob);
    // bob's session goes quiet: its process is suspended, and it was last used 40 days ago
    await h.bot!.stop();
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(h.dbPath);
    db.prepare('UPDATE sessions SET last_activity_at = ?, backend = NULL, state = ? WHERE id = ?').run(Date.now() - 40 * 86_400_000, 'suspended', old.id);
    db.close();
    await h.startBot([alice, bob]);
    const transcript = `${h.cenv.configDir}/projects/${h.cenv.workDir.replace(/[^a-zA-Z0-9]/g, '-')}/${old.claude_session_id}.jsonl`;
    const reply = await firstReply(command(bob, 'clean', { days: 30 }), 'clean');
    expect(reply.content).toContain('Removed 1 session untouched for 30 days');
    expect(h.rows(`SELECT * FROM sessions WHERE id = '${old.id}'`)).toEqual([]);
    expect(fs.existsSync(transcript)).toBe(true);
    h.discord.injectButton({ user: bob, message: reply, customId: (reply.components as Array<{ components: Array<{ custom_id: string }> }>)[0]!.components[0]!.custom_id });
    await h.discord.waitFor(() => h.discord.messages.get(reply.id)!.content.startsWith('🧹 Deleted 1 transcripts'), 10_000, 'deleted');
    expect(fs.existsSync(transcript)).toBe(false);
    expect(current(alice)).toBeDefined(); // alice's sessions untouched
  });
});
