/**
 * Issue 14, worktrees end to end: two sessions of one repository, each asked with
 * `/claude ask worktree:true`, edit the same file and commit — each in its own `git worktree` on
 * its own `claude/<slug>` branch, so neither sees the other's edit and the repository's checkout
 * is untouched. Diff posts each session's change; Merge fast-forwards the base with one and refuses
 * the other (the base moved on: not a fast-forward), saying so; Close removes the worktree and
 * keeps the branch. Real git, tmux, SQLite and `claude` (its Bash tool, via the stub's `TOOL:`).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FakeUser, StoredMessage } from '../fakes/discord/server.js';
import { buttonIds, Harness, hasButton } from '../helpers/harness.js';

let h: Harness;
let alice: FakeUser;
let repo: string;
const git = (...args: string[]) => execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8' });

beforeAll(async () => {
  h = await Harness.create();
  alice = h.discord.addUser('alice');
  repo = h.cenv.workDir;
  git('init', '-q', '-b', 'main');
  fs.writeFileSync(path.join(repo, 'shared.txt'), 'base\n');
  git('add', '-A');
  git('-c', 'user.name=T', '-c', 'user.email=t@example.com', 'commit', '-qm', 'base');
  await h.startBot([alice], { THREADS: 'true', PERMISSION_MODE: 'bypassPermissions', IS_SANDBOX: '1', SPARE_PROCESSES: '2' });
});

afterAll(async () => h?.close());

const botIn = (channelId: string) => h.discord.channelMessages(channelId).filter((m) => m.author.id === h.discord.bot.id);
const inThread = (channelId: string, match: (m: StoredMessage) => boolean, what: string) =>
  h.discord.waitFor(() => botIn(channelId).find(match), 45_000, what).catch((err) => {
    throw new Error(`${err.message}\nthread: ${JSON.stringify(botIn(channelId).map((m) => m.content))}\nbot output:\n${h.bot?.output().slice(-3000)}`);
  });

/** Claude edits shared.txt in its session's directory and commits (the stub's `TOOL:` runs Bash). */
const editAndCommit = (who: string) =>
  `TOOL:printf 'from ${who}\\n' > shared.txt && git add -A && git -c user.name=${who} -c user.email=${who}@example.com commit -qm '${who} edits' && echo committed ${who}`;

async function worktreeSession(who: string): Promise<{ thread: string; panel: StoredMessage; branch: string; dir: string }> {
  const i = h.discord.injectCommand({ user: alice, name: 'claude', subcommand: 'ask', options: { prompt: editAndCommit(who), worktree: true } });
  const thread = (await h.discord.waitFor(() => h.discord.threads().find((t) => h.discord.responsesTo(i).some((m) => m.id === t.id)), 20_000, 'thread')).id;
  const panel = await inThread(thread, (m) => m.content.startsWith('🌿 This session works on branch'), 'the worktree panel');
  await inThread(thread, (m) => m.content.includes(`ran: committed ${who}`) && hasButton(m, 'continue'), `${who}'s answer`);
  const [, branch, dir] = /branch `(claude\/[a-z0-9-]+)` \(from `main`\) in its own worktree `([^`]+)`/.exec(panel.content)!;
  return { thread, panel, branch: branch!, dir: dir! };
}

const press = (panel: StoredMessage, action: string) =>
  h.discord.injectButton({ user: alice, message: panel, customId: buttonIds(panel).find((id) => id.startsWith(`cdb:${action}:`))! });

let a: Awaited<ReturnType<typeof worktreeSession>>;
let b: Awaited<ReturnType<typeof worktreeSession>>;

it('two sessions edit the same file in worktrees of one repository, without touching each other or the checkout', async () => {
  [a, b] = await Promise.all([worktreeSession('alpha'), worktreeSession('beta')]);
  expect(a.branch).not.toBe(b.branch);
  expect(a.dir.startsWith(path.join(repo, '.claude', 'worktrees'))).toBe(true);
  expect(fs.readFileSync(path.join(a.dir, 'shared.txt'), 'utf8')).toBe('from alpha\n');
  expect(fs.readFileSync(path.join(b.dir, 'shared.txt'), 'utf8')).toBe('from beta\n');
  expect(fs.readFileSync(path.join(repo, 'shared.txt'), 'utf8')).toBe('base\n');
  expect(git('status', '--porcelain')).toBe(''); // the worktrees do not show up in the checkout
  // Spare processes stay in the repository's own directory: a worktree is one session's alone. (A
  // plain session takes a spare; the pool then refills for the directories used most recently.)
  const plain = h.ask(alice, 'a plain session');
  const plainThread = (await h.discord.waitFor(() => h.discord.threads().find((t) => h.discord.responsesTo(plain).some((m) => m.id === t.id)), 20_000, 'thread')).id;
  await inThread(plainThread, (m) => m.content.includes('echo: a plain session') && hasButton(m, 'continue'), 'the plain answer');
  const panes = () => h.tmux('list-panes', '-a', '-F', '#{session_name} #{pane_current_path}').trim().split('\n').map((l) => l.split(' '));
  await h.discord.waitFor(() => panes().length === 5, 30_000, 'three sessions and two spares');
  const ids = h.rows('SELECT session_id FROM session_worktrees').map((r) => `cdb-${r.session_id}`);
  expect(panes().filter(([, cwd]) => cwd!.includes('/.claude/worktrees/')).map(([name]) => name).sort()).toEqual(ids.sort());
  expect(h.rows('SELECT branch, base FROM session_worktrees ORDER BY branch')).toEqual([a, b].map((x) => ({ branch: x.branch, base: 'main' })).sort((p, q) => p.branch.localeCompare(q.branch)));
});

it('Diff posts each session\'s own change against the base as an attachment', async () => {
  for (const [x, who, other] of [[a, 'alpha', 'beta'], [b, 'beta', 'alpha']] as const) {
    const reply = await h.reply(press(x.panel, 'diff'), (m) => m.attachments.length > 0, `${who}'s diff`);
    expect(reply.content).toContain(`\`${x.branch}\` against \`main\`: 1 file, +1 −1`);
    const file = reply.attachments[0] as { filename: string; text: string };
    expect(file.filename).toBe(`${x.branch.replace('/', '-')}.diff`);
    expect(file.text).toContain('-base\n');
    expect(file.text).toContain(`+from ${who}\n`);
    expect(file.text).not.toContain(other);
  }
});

it('Merge fast-forwards the base with one, and refuses the other with the reason', async () => {
  const merged = await h.reply(press(a.panel, 'merge'), (m) => m.content.includes('Merged') || m.content.includes('Not merged'), 'first merge');
  expect(merged.content).toContain(`✅ Merged \`${a.branch}\` into \`main\` (fast-forward, 1 commit)`);
  expect(git('show', 'main:shared.txt')).toBe('from alpha\n');
  expect(fs.readFileSync(path.join(repo, 'shared.txt'), 'utf8')).toBe('from alpha\n');

  const refused = await h.reply(press(b.panel, 'merge'), (m) => m.content.includes('Merged') || m.content.includes('Not merged'), 'second merge');
  expect(refused.content).toContain('⛔ Not merged: `main` has moved on since');
  expect(refused.content).toContain('not a fast-forward');
  expect(git('show', 'main:shared.txt')).toBe('from alpha\n');
});

it('Close removes a clean worktree and keeps its branch', async () => {
  const closed = await h.reply(press(a.panel, 'close'), (m) => m.content.includes('Session closed'), 'close');
  expect(closed.content).toContain(`worktree removed; the branch \`${a.branch}\` stays`);
  expect(fs.existsSync(a.dir)).toBe(false);
  expect(git('branch', '--list', a.branch).trim()).toBe(a.branch);
  expect(h.rows('SELECT branch FROM session_worktrees')).toEqual([{ branch: b.branch }]);
});

it('/claude clean removes the worktrees of the sessions it removes, and keeps their branches', async () => {
  const [{ session_id: id }] = h.rows(`SELECT session_id FROM session_worktrees WHERE branch = '${b.branch}'`) as [{ session_id: string }];
  expect((await h.cli('sessions', 'suspend', id)).stdout).toContain('session suspended'); // clean leaves live sessions alone
  const db = new Database(h.dbPath);
  try {
    db.prepare('UPDATE sessions SET last_activity_at = 0 WHERE id = (SELECT session_id FROM session_worktrees WHERE branch = ?)').run(b.branch);
  } finally {
    db.close();
  }
  const i = h.discord.injectCommand({ user: alice, name: 'claude', subcommand: 'clean', options: { days: 1 } });
  const reply = await h.reply(i, (m) => m.content.includes('Removed'), 'clean');
  expect(reply.content).toContain('Removed 1 session');
  expect(reply.content).toContain('1 of their worktree removed (branches kept)');
  expect(fs.existsSync(b.dir)).toBe(false);
  expect(git('branch', '--list', b.branch).trim()).toBe(b.branch);
  expect(git('worktree', 'list')).not.toContain(b.dir);
});
