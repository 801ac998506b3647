/**
 * End to end, all real parts but Discord and Anthropic's servers: the bot process (as `npm start`
 * runs it) + real discord.js against the fake Discord, real tmux, real SQLite, and the real bundled
 * `claude` CLI against the local Anthropic stub.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transcriptPath } from '../../src/claude/slug.js';
import type { FakeUser } from '../fakes/discord/server.js';
import { Harness, buttonIds, hasButton } from '../helpers/harness.js';

let h: Harness;
let alice: FakeUser;
let mallory: FakeUser;

beforeAll(async () => {
  h = await Harness.create({ slowDelayMs: 150, slowPieces: 400 });
  alice = h.discord.addUser('alice');
  mallory = h.discord.addUser('mallory');
  await h.startBot([alice]);
});

afterAll(async () => {
  expect(await h.bot?.stop()).toBe(0); // graceful shutdown
  await h?.close();
});

describe('/claude ask end to end', () => {
  it('registers /claude in the configured guild: ask with a prompt or a prompt file, and every subcommand', () => {
    const cmd = h.discord.commands.get('claude')!;
    expect(cmd.guildId).toBe(h.discord.guildId);
    const options = cmd.options as Array<{ type: number; name: string; options?: unknown[] }>;
    expect(options.find((o) => o.name === 'ask')).toMatchObject({ type: 1, options: [{ type: 3, name: 'prompt', max_length: 6000 }, { type: 11, name: 'file' }, { type: 5, name: 'worktree' }] });
    expect(options.map((o) => o.name).sort()).toEqual(
      ['ask', 'branch', 'clean', 'compact', 'continue', 'export', 'file', 'import', 'info', 'mode', 'model', 'new', 'project', 'regenerate', 'resume', 'schedule', 'sessions', 'stop', 'trigger', 'usage']);
    // Subcommand groups (type 2) hold their own subcommands: `/claude schedule add`.
    const groups = options.filter((o) => o.type === 2).map((o) => [o.name, (o.options as Array<{ type: number; name: string }>).map((s) => `${s.type}:${s.name}`)]);
    expect(groups).toEqual([['schedule', ['1:add', '1:list', '1:pause', '1:resume', '1:remove']], ['trigger', ['1:add', '1:list', '1:remove']]]);
    expect(options.filter((o) => o.type !== 2).every((o) => o.type === 1)).toBe(true);
  });

  it('streams the answer into the channel, then continues the same Claude session', async () => {
    const first = h.ask(alice, 'hello bridge');
    const answer = await h.final(first, 'echo: hello bridge (turn 1)');
    expect(h.discord.channelMessages()).toContainEqual(answer); // visible to the channel, not ephemeral
    expect(['continue', 'regenerate', 'branch', 'export'].every((a) => hasButton(answer, a))).toBe(true);
    const edits = h.discord.calls.filter((c) => c.method === 'PATCH' && c.path.includes(first.token));
    expect(edits.length).toBeGreaterThan(0);
    expect(edits.every((c) => c.path.endsWith('/messages/%40original'))).toBe(true);

    await h.final(h.ask(alice, 'and again'), 'echo: and again (turn 2)');
    const rows = h.rows();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      owner_id: alice.id, channel_id: h.discord.channelId, guild_id: h.discord.guildId, cwd: h.cenv.workDir,
      message_count: 2, turn_count: 2, backend: 'tmux',
    });
    expect(rows[0]!.cost_usd).toBeGreaterThan(0);
    const transcript = transcriptPath(h.cenv.configDir, h.cenv.workDir, rows[0]!.claude_session_id as never);
    expect(fs.readFileSync(transcript, 'utf8')).toContain('and again');
  });

  it('Stop interrupts a slow turn and the next ask still works', async () => {
    const slow = h.ask(alice, 'SLOW story');
    const streaming = await h.reply(slow, (m) => /\d+ \d+ /.test(m.content) && hasButton(m, 'stop'), 'streaming text');
    const stopId = buttonIds(streaming).find((id) => id.startsWith('cdb:stop:'))!;
    const notOwner = h.discord.injectButton({ user: mallory, message: streaming, customId: stopId });
    h.discord.injectButton({ user: alice, message: streaming, customId: stopId });
    const stopped = await h.reply(slow, (m) => m.content.includes('stopped') && !hasButton(m, 'stop'), 'stopped turn');
    expect(stopped.content).not.toContain('echo: SLOW story'); // the full answer never arrived
    const edits = h.discord.calls.filter((c) => c.method === 'PATCH' && c.path.includes(slow.token));
    expect(edits.length).toBeGreaterThan(0);
    expect(edits.every((c) => c.status === 200)).toBe(true); // the edit pacing kept within the route's limit
    expect(h.discord.limiter.limited.size).toBe(0); // never answered 429
    const refusal = await h.reply(notOwner, () => true, 'refusal', 10_000);
    expect(refusal.flags & 64).toBe(64);

    await h.final(h.ask(alice, 'after the stop'), 'echo: after the stop (turn');
  });

  it('refuses a user who is not on the allowlist, ephemerally, naming their id; no process is asked', async () => {
    const before = h.stub.requests.length;
    const refusal = await h.reply(h.ask(mallory, 'let me in'), () => true, 'refusal', 10_000);
    expect(refusal.flags & 64).toBe(64);
    expect(refusal.content).toContain(mallory.id);
    expect(refusal.content).toContain('ALLOWED_USER_IDS');
    await new Promise((r) => setTimeout(r, 300));
    expect(h.stub.requests.length).toBe(before);
  });
});
