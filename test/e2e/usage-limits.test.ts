/**
 * Issue 11, item 7, end to end with the real CLI: a plan-limit warning in the status line,
 * `/claude usage` with the context's share of the window, `/claude compact`, and a turn refused for
 * the usage limit parked until its (seconds-away) reset — answered then exactly once across a bot
 * restart — or cancelled. Claude Code reads the `anthropic-ratelimit-unified-*` headers only for a
 * claude.ai login, so the CLI runs with `CLAUDE_CODE_OAUTH_TOKEN` (the stub accepts any) and no API
 * key; the headers and 429 bodies are in test/fakes/stub-limits.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { limitLog } from '../fakes/stub-limits.js';
import type { FakeUser, StoredMessage } from '../fakes/discord/server.js';
import { buttonIds, hasButton, Harness } from '../helpers/harness.js';

describe('usage and limits', () => {
  let h: Harness;
  let alice: FakeUser;
  const env = { ANTHROPIC_API_KEY: '', CLAUDE_CODE_OAUTH_TOKEN: 'sk-ant-oat01-stub' };

  beforeAll(async () => {
    h = await Harness.create({ slowDelayMs: 150, slowPieces: 40 });
    alice = h.discord.addUser('alice');
    await h.startBot([alice], env);
  });
  afterAll(async () => h?.close());

  const command = (subcommand: string) => h.discord.injectCommand({ user: alice, name: 'claude', subcommand });

  it('a plan limit nearing its end shows in the answer\'s footer and in the next turn\'s status line', async () => {
    const warned = await h.final(h.ask(alice, 'LIMITWARN first'), 'echo: LIMITWARN first');
    expect(warned.content).toMatch(/⚠️ 92% of the 5-hour limit used · resets <t:\d+:R>/);
    const slow = h.ask(alice, 'SLOW second');
    const streaming = await h.reply(slow, (m) => hasButton(m, 'stop') && m.content.includes('⏱️'), 'a status line');
    expect(streaming.content).toMatch(/-# ⏱️ .*⚠️ 92% of the 5-hour limit used · resets <t:\d+:R>/);
    await h.final(slow, 'echo: SLOW second');
  });

  it('/claude usage shows the context\'s share of the window, the cost and the 5-hour window', async () => {
    const reply = await h.reply(command('usage'), (m) => m.content.includes('📊'), '/claude usage');
    expect(reply.flags & 64).toBe(64); // only the asker sees it
    expect(reply.content).toMatch(/Context: [\d,]+ of [\d,]+ tokens \(\*\*\d+%\*\*\)/);
    expect(reply.content).toMatch(/Cost: \$\d+\.\d{4} · 2 turns/);
    expect(reply.content).toMatch(/5-hour limit: \*\*92%\*\* used · resets <t:\d+:t> \(<t:\d+:R>\)/);
    expect(reply.content).toMatch(/Weekly limit: \*\*40%\*\* used · resets <t:\d+:t> \(<t:\d+:R>\)/);
  });

  it('/claude compact compacts the conversation and says so', async () => {
    const i = command('compact');
    const done = await h.reply(i, (m) => m.content.includes('Compacted the conversation') && !hasButton(m, 'stop'), 'compaction');
    expect(done.content).toMatch(/Compacted the conversation \([\d,]+ → [\d,]+ tokens\)/);
    const after = await h.final(h.ask(alice, 'after compaction'), 'echo: after compaction');
    expect(after.content).not.toContain('went on elsewhere'); // the CLI's own rewrite is no outside change
  });

  it('a turn refused for the usage limit waits, survives a bot restart, and runs once at the reset time', async () => {
    const prompt = 'USAGELIMIT:15 parked question';
    const i = h.ask(alice, prompt);
    const parked = await h.reply(i, (m) => m.content.includes('Usage limit reached'), 'the parked note');
    expect(parked.content).toMatch(/⏸️ Usage limit reached; this will be answered at <t:\d+:t> \(<t:\d+:R>\)\./);
    expect(buttonIds(parked).some((id) => id.startsWith('cdb:unpark:'))).toBe(true);
    const stored = h.rows('SELECT parked_until AS until FROM turns');
    expect(stored).toHaveLength(1);
    expect(stored[0]!.until).toEqual(expect.any(Number)); // stored with the turn: a restart finds it

    await h.bot!.crash();
    await h.startBot([alice], env);
    const answer = await h.reply(i, (m) => m.content.includes(`echo: ${prompt}`) && !hasButton(m, 'stop'), 'the answer after the reset', 90_000);
    expect(answer.content).not.toContain('Usage limit reached');
    const answered = limitLog.filter((e) => e.prompt === prompt && e.outcome === 'answered');
    expect(answered).toHaveLength(1);
    // Asked once before the limit (refused), once after its reset: the restarted bot waited for the
    // stored time instead of sending the prompt again at start-up.
    expect(limitLog.filter((e) => e.prompt === prompt && e.outcome === 'refused')).toHaveLength(1);
    const copies = h.discord.channelMessages().filter((m) => m.content.includes(`echo: ${prompt}`));
    expect(copies.map((m) => m.id)).toEqual([answer.id]);
    await h.discord.waitFor(() => h.rows('SELECT * FROM turns').length === 0, 10_000, 'the answered turn to be forgotten');
    const asked = limitLog.filter((e) => e.prompt === prompt).length;
    await new Promise((r) => setTimeout(r, 2000)); // nothing asks again later
    expect(limitLog.filter((e) => e.prompt === prompt)).toHaveLength(asked);
  }, 150_000);

  it('a parked turn runs at its reset time without a restart too, and the session goes on', async () => {
    const prompt = 'USAGELIMIT:8 short wait';
    const i = h.ask(alice, prompt);
    await h.reply(i, (m) => m.content.includes('Usage limit reached'), 'the parked note');
    await h.reply(i, (m) => m.content.includes(`echo: ${prompt}`) && !hasButton(m, 'stop'), 'the answer after the reset');
    expect(limitLog.filter((e) => e.prompt === prompt).map((e) => e.outcome)).toEqual(['refused', 'answered']);
    await h.final(h.ask(alice, 'and then'), 'echo: and then');
  });

  it('Cancel ends a parked turn unanswered; a stranger cannot', async () => {
    const prompt = 'USAGELIMIT:600 cancelled question';
    const i = h.ask(alice, prompt);
    const parked = await h.reply(i, (m) => m.content.includes('Usage limit reached'), 'the parked note');
    const cancel = buttonIds(parked).find((id) => id.startsWith('cdb:unpark:'))!;
    const mallory = h.discord.addUser('mallory');
    const refused = h.discord.injectButton({ user: mallory, message: parked, customId: cancel });
    await h.reply(refused, (m: StoredMessage) => (m.flags & 64) === 64, 'the refusal');
    h.discord.injectButton({ user: alice, message: parked, customId: cancel });
    const ended = await h.reply(i, (m) => m.content.includes('Cancelled while it waited') && hasButton(m, 'continue'), 'the cancelled turn');
    expect(ended.content).toContain('⏹️ stopped');
    await h.discord.waitFor(() => h.rows('SELECT * FROM turns').length === 0, 10_000, 'the cancelled turn to be forgotten');
    expect(limitLog.filter((e) => e.prompt === prompt).every((e) => e.outcome === 'refused')).toBe(true);
  });

  it('a second refusal in the same process parks too (no new rate_limit_event); stopping the session ends what waits', async () => {
    // Claude Code reports a limit once per change; the second refusal carries it only in the
    // synthetic message's `api_error_params.rate_limit_info` (observed on 2.1.330).
    const first = h.ask(alice, 'USAGELIMIT:600 one');
    await h.reply(first, (m) => m.content.includes('Usage limit reached'), 'the first parked note');
    const second = h.ask(alice, 'USAGELIMIT:600 two');
    await h.reply(second, (m) => m.content.includes('Usage limit reached'), 'the second parked note');
    expect(h.rows('SELECT * FROM turns WHERE parked_until IS NOT NULL')).toHaveLength(2);
    const killed = await h.cli('sessions', 'kill', String(h.rows()[0]!.id));
    expect(killed.code).toBe(0);
    for (const i of [first, second]) await h.reply(i, (m) => m.content.includes('stopped before the usage limit reset') && hasButton(m, 'continue'), 'a stopped turn');
  });
});
