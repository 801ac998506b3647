/**
 * What a turn looks like in Discord (THREADS=false, answers as interaction replies): tool calls as
 * compact lines with edits and long output attached, long answers attached whole beyond
 * MAX_INLINE_CHUNKS, a .txt prompt file, prompts reaching Claude verbatim, a forced 429 waited out,
 * a button of a session that is gone, `/claude project` inside WORKSPACE_ROOT, and a turn that
 * outlives its interaction token.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userPrompts } from '../fakes/anthropic-stub.js';
import type { FakeUser, StoredMessage } from '../fakes/discord/server.js';
import { buttonIds, hasButton, Harness } from '../helpers/harness.js';

type File = { filename: string; text: string };
const files = (m: StoredMessage) => m.attachments as File[];

describe('turns in Discord', () => {
  let h: Harness;
  let alice: FakeUser;
  let admin: FakeUser;
  const env = () => ({ MAX_INLINE_CHUNKS: '2', PERMISSION_MODE: 'bypassPermissions', IS_SANDBOX: '1', ADMIN_USER_IDS: admin.id });

  beforeAll(async () => {
    h = await Harness.create({ slowDelayMs: 100, slowPieces: 20 });
    alice = h.discord.addUser('alice');
    admin = h.discord.addUser('admin');
    await h.startBot([alice], env());
  });
  afterAll(async () => h?.close());

  const command = (user: FakeUser, subcommand: string, options: Record<string, string | { attachment: { name: string; content: string } }> = {}) =>
    h.discord.injectCommand({ user, name: 'claude', subcommand, options });

  it('shows tool calls as compact lines, with the edit as a .diff and long output as a .txt', async () => {
    const file = path.join(h.cenv.workDir, 'notes.txt');
    const write = h.ask(alice, `USE:Write ${JSON.stringify({ file_path: file, content: 'line one\nline two' })}`);
    const written = await h.final(write, 'ran: ');
    expect(written.content).toContain('-# 🔧 Write: notes.txt · 📎 1-notes.txt.diff');
    expect(files(written)).toContainEqual(expect.objectContaining({ filename: '1-notes.txt.diff', text: expect.stringContaining('+line one\n+line two') }));
    expect(fs.readFileSync(file, 'utf8')).toBe('line one\nline two');

    const long = await h.final(h.ask(alice, 'TOOL:seq 1 40'), 'ran: 1');
    expect(long.content).toContain('-# 🔧 Bash: seq 1 40 · 📎 1-bash.txt');
    const output = files(long).find((f) => f.filename === '1-bash.txt')!;
    expect(output.text.trim().split('\n')).toHaveLength(40);
  });

  it('takes a .txt file as the prompt, and attaches an answer longer than MAX_INLINE_CHUNKS whole as answer.md', async () => {
    const text = Array.from({ length: 120 }, (_, k) => `line ${k} of a prompt far longer than a slash option allows`).join('\n');
    const i = command(alice, 'ask', { file: { attachment: { name: 'prompt.txt', content: text } } });
    const last = await h.reply(i, (m) => m.attachments.length > 0 && hasButton(m, 'continue'), 'answer with answer.md');
    expect(last.content).toContain('Longer than 2 messages');
    const md = files(last).find((f) => f.filename === 'answer.md')!;
    expect(md.text).toMatch(/^echo: line 0 [^]*line 119 of a prompt far longer than a slash option allows \(turn \d+\)$/);
    expect(md.text).toContain(text);
    expect(h.discord.responsesTo(i)).toHaveLength(3); // two messages of text, then the note with the file
  });

  it('refuses an empty prompt and a file that is not text, ephemerally, and sends nothing', async () => {
    const before = h.stub.requests.length;
    const empty = await h.reply(command(alice, 'ask', { prompt: '   ' }), () => true, 'usage');
    expect(empty.flags & 64).toBe(64);
    expect(empty.content).toContain('Usage: `/claude ask prompt:');
    // Named as an image, but its bytes are not one (issue 11: checked by its bytes, after the download).
    const i = command(alice, 'ask', { file: { attachment: { name: 'photo.png', content: 'PNG' } } });
    const binary = await h.reply(i, (m) => m.content.includes('photo.png'), 'file refusal');
    expect(binary.flags & 64).toBe(64);
    expect(binary.content).toBe('`photo.png` was not sent to Claude: its content is not a PNG, JPEG, GIF or WebP image.');
    await h.discord.waitFor(() => h.discord.responsesTo(i).every((m) => (m.flags & 64) === 64), 10_000, 'the public "thinking…" reply gone');
    expect(h.stub.requests.length).toBe(before);
  });

  it('passes control characters, tmux key names and Markdown to Claude verbatim; its answer pings nobody', async () => {
    const prompt = 'C-c Enter \u0007 `ls` **bold** $(rm -rf /) ; tmux kill-server @everyone';
    const i = h.ask(alice, prompt);
    await h.final(i, 'kill-server @everyone (turn');
    expect(h.stub.requests.some((r) => userPrompts(r.body.messages).includes(prompt))).toBe(true);
    expect(h.tmuxSessions().length).toBeGreaterThan(0); // the tmux server is still there
    const edits = h.discord.calls.filter((c) => c.method === 'PATCH' && c.path.includes(i.token));
    expect(edits.length).toBeGreaterThan(0);
    expect(edits.every((c) => JSON.stringify(c.body?.allowed_mentions) === '{"parse":[]}')).toBe(true);
  });

  it('waits out a forced 429 on the streaming edits and loses nothing', async () => {
    h.discord.limiter.force('PATCH /webhooks', 2);
    const i = h.ask(alice, 'SLOW:20 through a rate limit');
    const answer = await h.final(i, 'echo: SLOW:20 through a rate limit (turn');
    expect([...h.discord.limiter.limited.entries()].filter(([k]) => k.startsWith('PATCH /webhooks')).reduce((n, [, v]) => n + v, 0)).toBe(2);
    expect(answer.content).toContain('0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 echo: SLOW:20 through a rate limit');
  });

  it('lets an admin set the channel directory inside WORKSPACE_ROOT; refuses a symlink out of it and non-admins', async () => {
    const sub = path.join(h.cenv.workDir, 'project-a');
    fs.mkdirSync(sub, { recursive: true });
    fs.symlinkSync(os.tmpdir(), path.join(h.cenv.workDir, 'escape'));
    const notAdmin = await h.reply(command(alice, 'project', { path: 'project-a' }), () => true, 'non-admin refusal');
    expect(notAdmin.content).toContain('Only the bot\'s admins');
    const escape = await h.reply(command(admin, 'project', { path: 'escape' }), () => true, 'escape refusal');
    expect(escape.flags & 64).toBe(64);
    expect(escape.content).toContain('outside the workspace');
    const set = await h.reply(command(admin, 'project', { path: 'project-a' }), () => true, 'project set');
    expect(set.content).toContain(`now work in \`${fs.realpathSync(sub)}\``);

    await h.final(command(alice, 'new', { prompt: 'where am I' }), 'echo: where am I (turn 1)');
    const rows = h.rows('SELECT cwd FROM sessions ORDER BY created_at DESC LIMIT 1');
    expect(rows[0]!.cwd).toBe(fs.realpathSync(sub));
    const audit = h.rows("SELECT user_id, action, result, detail FROM audit_log WHERE action = 'project' ORDER BY id");
    expect(audit.map((a) => a.result)).toEqual(['refused', 'refused', 'ok']);
  });

  it('answers a button of a session that no longer exists with "this session has ended"', async () => {
    const answer = await h.final(h.ask(alice, 'soon gone'), 'echo: soon gone');
    const continueId = buttonIds(answer).find((id) => id.startsWith('cdb:continue:'))!;
    await h.bot!.stop();
    const db = new Database(h.dbPath);
    db.prepare('DELETE FROM sessions').run();
    db.close();
    await h.startBot([alice], env());
    const press = h.discord.injectButton({ user: alice, message: answer, customId: continueId });
    const ended = await h.reply(press, () => true, 'ended reply');
    expect(ended.flags & 64).toBe(64);
    expect(ended.content).toContain('This session has ended');
  });
});

describe('a turn longer than its interaction token', () => {
  it('goes on in channel messages when the token expires; nothing is lost', async () => {
    const h = await Harness.create({ slowDelayMs: 100, slowPieces: 60 }, { tokenTtlMs: 4000 });
    try {
      const alice = h.discord.addUser('alice');
      await h.startBot([alice]);
      const i = h.ask(alice, 'SLOW long one');
      const answer = await h.final(i, 'echo: SLOW long one (turn 1)');
      expect(answer.content).toContain('0 1 2 3');
      expect(h.discord.calls.some((c) => c.status === 401 && c.path.includes(i.token))).toBe(true); // 50027 seen
      expect(h.discord.calls.some((c) => c.method === 'PATCH' && c.path === `/channels/${h.discord.channelId}/messages/${answer.id}` && c.status === 200)).toBe(true);
    } finally {
      await h.close();
    }
  });
});
