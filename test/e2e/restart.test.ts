/**
 * Issue 3, end to end: the bot is killed (-9) mid-answer, its claude process is killed mid-turn,
 * an orphan waits at start-up, and a graceful stop — with real tmux (and node-pty), SQLite and
 * `claude` against the stub, Discord faked.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { FakeUser } from '../fakes/discord/server.js';
import { Harness, hasButton } from '../helpers/harness.js';

let h: Harness;
afterEach(async () => h?.close());

const turnOf = (text: string) => Number(/\(turn (\d+)\)/.exec(text)?.[1] ?? NaN);

describe.each(['tmux', 'pty'] as const)('restart survival (%s)', (backend) => {
  it('kill -9 during a slow answer: after restart the whole answer appears exactly once, and the session continues', async () => {
    h = await Harness.create({ slowDelayMs: 100, slowPieces: 30 });
    const alice: FakeUser = h.discord.addUser('alice');
    const env = { SESSION_BACKEND: backend };
    const bot = await h.startBot([alice], env);
    const slow = h.ask(alice, 'SLOW story');
    await h.reply(slow, (m) => /\d+ \d+ /.test(m.content), 'streaming text');
    await bot.crash();

    await h.startBot([alice], env);
    // tmux: the process outlived the bot and finished turn 1. pty: it died with the bot, so the prompt
    // was sent again after --resume (the transcript already held it: the stub counts turn 2).
    const answer = await h.final(slow, `echo: SLOW story (turn ${backend === 'tmux' ? 1 : 2})`);
    if (backend === 'pty') expect(answer.content).toContain('the prompt was sent again');
    const copies = h.discord.channelMessages().filter((m) => m.content.includes('echo: SLOW story'));
    expect(copies.map((m) => m.id)).toEqual([answer.id]); // once, in the message it belonged to
    const asked = h.stub.requests.filter((r) => JSON.stringify(r.body.messages).includes('SLOW story')).length;
    expect(asked).toBe(backend === 'tmux' ? 1 : 2); // tmux: the same process finished it

    const next = h.ask(alice, 'next one');
    const m = await h.final(next, 'echo: next one');
    expect(turnOf(m.content)).toBeGreaterThanOrEqual(2); // same Claude session, with context
    expect(h.rows()).toHaveLength(1);
    // nothing owed: the turn is forgotten once its final message was posted (just after Discord answers)
    await h.discord.waitFor(() => h.rows('SELECT * FROM turns').length === 0, 5_000, 'the shown turn to be forgotten');
  });
});

describe('process and start-up faults (tmux)', () => {
  it('a claude process killed mid-turn: the user is told, and the next message recovers', async () => {
    h = await Harness.create({ slowDelayMs: 100, slowPieces: 100 });
    const alice = h.discord.addUser('alice');
    await h.startBot([alice]);
    const first = h.ask(alice, 'warm up');
    await h.final(first, 'echo: warm up (turn 1)');
    const slow = h.ask(alice, 'SLOW doomed');
    await h.reply(slow, (m) => /\d+ \d+ /.test(m.content), 'streaming text');
    const [row] = h.rows();
    const pid = Number(h.tmux('display-message', '-p', `-t=cdb-${row!.id}:`, '#{pane_pid}').trim());
    process.kill(pid, 'SIGKILL');
    const told = await h.reply(slow, (m) => m.content.includes('Claude Code stopped unexpectedly') && !hasButton(m, 'stop'), 'crash notice');
    expect(told.content).toContain('Your next message starts it again');

    const after = h.ask(alice, 'still there?');
    const m = await h.final(after, 'echo: still there?');
    expect(turnOf(m.content)).toBeGreaterThanOrEqual(2); // resumed: turn 1 is in the context
  });

  it('ends orphan tmux sessions at start, and a graceful stop leaves the store consistent with processes kept', async () => {
    h = await Harness.create();
    const alice = h.discord.addUser('alice');
    h.tmux('new-session', '-d', '-s', 'cdb-0123456789ab', 'sleep', '600'); // ours by prefix, unknown to the store
    await h.startBot([alice]);
    await h.discord.waitFor(() => !h.tmuxSessions().includes('cdb-0123456789ab'), 10_000, 'orphan ended');

    const a = h.ask(alice, 'hello');
    await h.final(a, 'echo: hello (turn 1)');
    expect(await h.bot!.stop()).toBe(0);
    const [row] = h.rows();
    expect(row).toMatchObject({ state: 'idle', backend: 'tmux', turn_count: 1 });
    expect(h.rows('PRAGMA integrity_check')).toEqual([{ integrity_check: 'ok' }]);
    expect(h.rows('SELECT * FROM turns')).toEqual([]);
    expect(h.tmuxSessions()).toEqual([`cdb-${row!.id}`]); // KEEP_PROCESSES_ON_EXIT defaults to true

    await h.startBot([alice]); // reattaches to the kept process
    const b = h.ask(alice, 'again');
    expect(turnOf((await h.final(b, 'echo: again')).content)).toBe(2);
    expect(h.stub.requests.length).toBe(2);
  });
});
