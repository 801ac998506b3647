/**
 * Issue 4, end to end: answer buttons and their commands (continue, regenerate, branch, export),
 * model and info — the bot process against the fake Discord, real tmux, SQLite and `claude`.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transcriptPath } from '../../src/claude/slug.js';
import type { FakeUser, Interaction, StoredMessage } from '../fakes/discord/server.js';
import { Harness, buttonIds } from '../helpers/harness.js';

let h: Harness;
let alice: FakeUser;
let mallory: FakeUser;

beforeAll(async () => {
  ({ h, users: [alice, mallory] } = await Harness.withBot(['alice', 'mallory']) as { h: Harness; users: [FakeUser, FakeUser] });
});
afterAll(async () => h?.close());

const turnOf = (text: string) => Number(/\(turn (\d+)\)/.exec(text)?.[1] ?? NaN);
const press = (user: FakeUser, m: StoredMessage, action: string) =>
  h.discord.injectButton({ user, message: m, customId: buttonIds(m).find((id) => id.startsWith(`cdb:${action}:`))! });
const command = (user: FakeUser, subcommand: string, options: Record<string, string | number> = {}) =>
  h.discord.injectCommand({ user, name: 'claude', subcommand, options });
const firstReply = (i: Interaction, what: string) => h.reply(i, (m) => m.content.length > 0, what);
const current = () => h.rows("SELECT * FROM sessions ORDER BY last_activity_at DESC")[0]!;

describe('conversations', () => {
  it('Continue sends "continue"; only the owner may press it', async () => {
    const a = await h.final(h.ask(alice, 'alpha'), 'echo: alpha (turn 1)');
    const refusal = await firstReply(press(mallory, a, 'continue'), 'refusal');
    expect(refusal.flags & 64).toBe(64);
    expect(refusal.content).toBe('Only the person who started this session can do that.');
    const c = await h.final(press(alice, a, 'continue'), 'echo: continue (turn 2)');
    expect(h.discord.channelMessages()).toContainEqual(c);
  });

  it('Regenerate answers the last prompt again from the same point; the session follows the new branch', async () => {
    const before = current();
    const regen = await h.final(command(alice, 'regenerate'), 'echo: continue (turn 2)'); // alpha + continue: not 3
    const after = current();
    expect(after.id).toBe(before.id);
    expect(after.claude_session_id).not.toBe(before.claude_session_id);
    const oldTranscript = transcriptPath(h.cenv.configDir, h.cenv.workDir, before.claude_session_id as never);
    expect(fs.readFileSync(oldTranscript, 'utf8')).toContain('echo: continue (turn 2)'); // the old branch stays
    expect(turnOf((await h.final(h.ask(alice, 'gamma'), 'echo: gamma')).content)).toBe(3);
    expect(regen.content).not.toContain('transcript'); // no "missing transcript" notice
  });

  it('Branch forks into a new session with the same history, current in the channel', async () => {
    const last = h.discord.channelMessages().filter((m) => m.content.includes('echo: gamma')).at(-1)!;
    const reply = await firstReply(press(alice, last, 'branch'), 'branch reply');
    expect(reply.content).toContain('Branched session');
    const rows = h.rows('SELECT * FROM sessions ORDER BY created_at');
    expect(rows).toHaveLength(2);
    expect(rows[1]!.parent_session_id).toBe(rows[0]!.id);
    expect(turnOf((await h.final(h.ask(alice, 'on the branch'), 'echo: on the branch')).content)).toBe(4); // alpha, continue, gamma + this
  });

  it('exports the conversation as Markdown, JSON (our schema) and the raw JSONL transcript', async () => {
    const md = await h.reply(command(alice, 'export'), (m) => m.attachments.length > 0, 'markdown export');
    const mdText = (md.attachments[0] as { text: string; filename: string });
    expect(mdText.filename).toMatch(/\.md$/);
    expect(mdText.text).toContain('## 🧑 Prompt');
    expect(mdText.text).toContain('on the branch');
    const json = await h.reply(command(alice, 'export', { format: 'json' }), (m) => m.attachments.length > 0, 'json export');
    const doc = JSON.parse((json.attachments[0] as { text: string }).text);
    expect(doc.schema).toBe('claude-discord-bridge.export/v1');
    expect(doc.messages.filter((m: { role: string }) => m.role === 'user').map((m: { text: string }) => m.text))
      .toEqual(['alpha', 'continue', 'gamma', 'on the branch']);
    const raw = await h.reply(command(alice, 'export', { format: 'jsonl' }), (m) => m.attachments.length > 0, 'jsonl export');
    const file = transcriptPath(h.cenv.configDir, h.cenv.workDir, current().claude_session_id as never);
    expect((raw.attachments[0] as { text: string }).text).toBe(fs.readFileSync(file, 'utf8'));
  });

  it('model: autocompletes aliases, refuses nonsense, applies from the next turn; info shows it all', async () => {
    const ac = h.discord.injectAutocomplete({ user: alice, name: 'claude', subcommand: 'model', focused: 'name', value: 'ha' });
    await h.discord.waitFor(() => ac.choices, 5000, 'choices');
    expect(ac.choices).toEqual([{ name: 'haiku', value: 'haiku' }]);
    const bad = await firstReply(command(alice, 'model', { name: 'gpt-4; rm -rf /' }), 'refusal');
    expect(bad.content).toContain('is not a model alias');
    await firstReply(command(alice, 'model', { name: 'haiku' }), 'model set');
    expect(current().model).toBe('haiku');
    const seen = h.stub.requests.length;
    await h.final(h.ask(alice, 'with haiku'), 'echo: with haiku');
    expect(h.stub.requests.slice(seen).some((r) => r.body.model?.includes('haiku'))).toBe(true);
    const info = await firstReply(command(alice, 'info'), 'info');
    expect(info.flags & 64).toBe(64);
    expect(info.content).toContain(`\`${current().claude_session_id}\``);
    expect(info.content).toContain('Model: haiku');
    expect(info.content).toContain('Resumable: yes');
  });

  it('commands that need a session refuse without one', async () => {
    const r = await firstReply(command(mallory, 'info'), 'refusal');
    expect(r.content).toBe('You have no session in this channel yet. Start one with `/claude ask`.');
  });
});
