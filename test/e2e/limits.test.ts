/** Issue 3, end to end: MAX_SESSIONS with a visible FIFO queue, MAX_QUEUE, and idle suspension. */
import { afterEach, describe, expect, it } from 'vitest';
import { Harness } from '../helpers/harness.js';

let h: Harness;
afterEach(async () => h?.close());

describe('limits', () => {
  it('MAX_SESSIONS=2, four users: two wait with visible positions and are served in order', async () => {
    h = await Harness.create({ slowDelayMs: 100 });
    const [a, b, c, d] = ['ann', 'bob', 'cat', 'dan'].map((n) => h.discord.addUser(n)) as [never, never, never, never];
    await h.startBot([a, b, c, d], { MAX_SESSIONS: '2' });
    // ann's answer takes ~6 s, bob's ~15 s, cat's ~1.5 s: dan is 1st in line for longer than the 1 s
    // between two edits of his reply, so his move up shows
    const ia = h.ask(a, 'SLOW:60 from ann');
    await h.reply(ia, (m) => /\d+ \d+ /.test(m.content), 'ann streaming');
    const ib = h.ask(b, 'SLOW:150 from bob');
    await h.reply(ib, (m) => /\d+ \d+ /.test(m.content), 'bob streaming');
    const ic = h.ask(c, 'SLOW:15 from cat');
    await h.reply(ic, (m) => m.content.includes('1st in line'), 'cat 1st in line');
    const id = h.ask(d, 'quick from dan');
    await h.reply(id, (m) => m.content.includes('2nd in line'), 'dan 2nd in line');

    const fc = await h.final(ic, 'echo: SLOW:15 from cat (turn 1)');
    const fd = await h.final(id, 'echo: quick from dan (turn 1)');
    await h.final(ia, 'echo: SLOW:60 from ann (turn 1)');
    await h.final(ib, 'echo: SLOW:150 from bob (turn 1)');
    expect(Date.parse(fc.edited_timestamp!)).toBeLessThanOrEqual(Date.parse(fd.edited_timestamp!)); // FIFO
    const danEdits = h.discord.calls.filter((x) => x.method === 'PATCH' && x.path.includes(id.token)).map((x) => String(x.body?.content));
    expect(danEdits.findIndex((t) => t.includes('2nd in line')), JSON.stringify(danEdits)).toBeLessThan(danEdits.findIndex((t) => t.includes('1st in line'))); // moved up
    expect(h.rows("SELECT COUNT(*) AS n FROM sessions WHERE backend IS NOT NULL")[0]!.n).toBeLessThanOrEqual(2);
  });

  it('refuses clearly beyond MAX_QUEUE, without losing the waiting requests', async () => {
    h = await Harness.create({ slowDelayMs: 100, slowPieces: 20 });
    const [a, b, c] = ['ann', 'bob', 'cat'].map((n) => h.discord.addUser(n)) as [never, never, never];
    await h.startBot([a, b, c], { MAX_SESSIONS: '1', MAX_QUEUE: '1' });
    const ia = h.ask(a, 'SLOW busy');
    await h.reply(ia, (m) => /\d+ \d+ /.test(m.content), 'ann streaming');
    const ib = h.ask(b, 'waiting');
    await h.reply(ib, (m) => m.content.includes('1st in line'), 'bob queued');
    const ic = h.ask(c, 'too many');
    const refusal = await h.reply(ic, (m) => m.content.includes('already waiting'), 'refusal');
    expect(refusal.content).toContain('All session slots are busy and 1 requests are already waiting');
    expect(refusal.flags & 64).toBe(64); // ephemeral: it concerns only the asker
    await h.final(ib, 'echo: waiting (turn 1)');
  });

  it('suspends an idle session after DEFAULT_TIMEOUT and resumes it, with its context, on the next message', async () => {
    h = await Harness.create();
    const alice = h.discord.addUser('alice');
    await h.startBot([alice], { DEFAULT_TIMEOUT: '1' });
    await h.final(h.ask(alice, 'remember me'), 'echo: remember me (turn 1)');
    await h.discord.waitFor(() => h.rows()[0]?.state === 'suspended', 10_000, 'idle suspension');
    expect(h.rows()[0]!.backend).toBeNull();
    expect(h.tmuxSessions()).toEqual([]);
    await h.final(h.ask(alice, 'back'), 'echo: back (turn 2)');
  });
});
