/**
 * Issue 14, schedules end to end: `/claude schedule add` with a cron pattern due every few seconds;
 * each run is announced (with its due time) and answered as a turn; a graceful restart and a crash
 * never start a due time twice; runs that fell due while the bot was down start once, marked late.
 * Real tmux, SQLite and `claude` against the stub; Discord faked.
 */
import { afterEach, expect, it } from 'vitest';
import type { FakeUser, Interaction, StoredMessage } from '../fakes/discord/server.js';
import { Harness, hasButton } from '../helpers/harness.js';

let h: Harness;
afterEach(async () => h?.close());

const ENV = { SCHEDULE_TZ: 'UTC' };
const PERIOD_S = 4;

/** Announcements of runs of schedule `id` in the channel, oldest first, with their due time (unix s). */
function runs(id: string): Array<{ m: StoredMessage; due: number; late: boolean }> {
  return h.discord.channelMessages()
    .filter((m) => m.author.id === h.discord.bot.id && m.content.startsWith(`⏰ Schedule \`${id}\``))
    .map((m) => ({ m, due: Number(/due <t:(\d+):T>/.exec(m.content)![1]), late: m.content.includes('running late') }));
}

/** Final answers replying to an announcement. */
const answersTo = (header: StoredMessage) => h.discord.channelMessages()
  .filter((m) => m.author.id === h.discord.bot.id && m.message_reference?.message_id === header.id && m.content.includes('echo: ') && hasButton(m, 'continue'));

async function addSchedule(user: FakeUser, period = PERIOD_S): Promise<string> {
  const i: Interaction = h.discord.injectCommand({ user, name: 'claude', subcommand: 'schedule add', options: { when: `*/${period} * * * * *`, prompt: 'tick', thread: 'this' } });
  const reply = await h.reply(i, (m) => m.content.includes('Schedule added'), 'schedule added');
  expect(reply.content).toContain(`\`*/${period} * * * * *\`, UTC`);
  return /`([0-9a-f]{8})`/.exec(reply.content)![1]!;
}

const waitFor = <T>(probe: () => T | undefined | null | false, what: string, ms = 45_000) =>
  h.discord.waitFor(probe, ms, what).catch((err) => {
    throw new Error(`${err.message}\nchannel: ${JSON.stringify(h.discord.channelMessages().map((m) => m.content.slice(0, 120)))}\nbot output:\n${h.bot?.output().slice(-3000)}`);
  });

it('fires every few seconds, survives a restart without firing twice, and runs missed while down once, late', async () => {
  h = await Harness.create();
  const alice = h.discord.addUser('alice');
  await h.startBot([alice], { ...ENV, ADMIN_USER_IDS: alice.id }) /* every few seconds: an admin's schedule */;
  const id = await addSchedule(alice);

  // It fires, and each run is answered as a turn of alice's session, replying to its announcement.
  await waitFor(() => runs(id).length >= 2 && runs(id).slice(0, 2).every((r) => answersTo(r.m).length === 1), 'two runs answered');
  expect(runs(id).every((r) => !r.late)).toBe(true);

  // A graceful restart, then a stop long enough for at least two due times to pass.
  await h.bot!.stop();
  const [row] = h.rows(`SELECT next_due_at FROM schedules WHERE id = '${id}'`);
  const missedFrom = Number(row!.next_due_at);
  await waitFor(() => Date.now() > missedFrom + 2 * PERIOD_S * 1000 + 500, 'two due times to pass while down');
  const before = runs(id).length;
  await h.startBot([alice], { ...ENV, ADMIN_USER_IDS: alice.id }) /* every few seconds: an admin's schedule */;

  const late = await waitFor(() => runs(id).slice(before).find((r) => r.late), 'the late run');
  expect(late.due * 1000).toBe(missedFrom); // the first time missed, announced as late …
  await waitFor(() => answersTo(late.m).length === 1, 'the late run answered');
  expect(answersTo(late.m)[0]!.content).toContain('while the bot was down; it runs now, once');
  await waitFor(() => runs(id).slice(before).filter((r) => !r.late).length >= 1, 'an on-time run after the restart');

  // … and only once: no other missed time ran, and no due time ran twice across the restart.
  const after = runs(id).slice(before);
  expect(after.filter((r) => r.late)).toHaveLength(1);
  expect(after.filter((r) => r.due * 1000 > missedFrom && r.due * 1000 < missedFrom + 2 * PERIOD_S * 1000)).toEqual([]);
  const dues = runs(id).map((r) => r.due);
  expect(new Set(dues).size).toBe(dues.length);

  const p = h.discord.injectCommand({ user: alice, name: 'claude', subcommand: 'schedule pause', options: { id } });
  await h.reply(p, (m) => m.content.includes('Paused'), 'paused');
  const settled = runs(id).length;
  await waitFor(() => runs(id).every((r) => answersTo(r.m).length === 1) && h.rows('SELECT * FROM turns').length === 0, 'every run answered once');
  expect(runs(id).length).toBe(settled); // paused: no more runs
}, 240_000);

it('a crash between recording a run and taking its prompt: after restart the run is answered once', async () => {
  h = await Harness.create();
  const alice = h.discord.addUser('alice');
  await h.startBot([alice], { ...ENV, ADMIN_USER_IDS: alice.id }) /* every few seconds: an admin's schedule */;
  // The first announcement is held: the run is recorded (an intent), its prompt not yet taken.
  const hold = h.discord.holdNext(/^POST \/channels\/\d+\/messages$/, 1, (c) => String(c.body?.content ?? '').startsWith('⏰ Schedule'));
  const id = await addSchedule(alice, 15); // one run in the window this test looks at
  await waitFor(() => hold.seen > 0, 'the first announcement');
  expect(h.rows('SELECT kind FROM intents')).toEqual([{ kind: 'unattended-run' }]);
  expect(h.rows('SELECT * FROM turns')).toEqual([]);
  await h.bot!.crash();
  hold.release(); // Discord finishes the post the dead bot asked for

  await h.startBot([alice], { ...ENV, ADMIN_USER_IDS: alice.id }) /* every few seconds: an admin's schedule */;
  const first = await waitFor(() => runs(id)[0], 'the first run');
  await waitFor(() => answersTo(first.m).length === 1, 'the first run answered');
  await new Promise((r) => setTimeout(r, 1500)); // a second copy would be posted by now
  expect(runs(id).filter((r) => r.due === first.due)).toHaveLength(1); // the nonce kept the announcement single
  expect(answersTo(first.m)).toHaveLength(1);
}, 120_000);
