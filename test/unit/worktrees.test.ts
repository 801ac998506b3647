/**
 * `Worktrees` against real git in a temporary repository (the refusals the end-to-end test does not
 * reach): no repository, a detached checkout, a path outside the workspace, uncommitted changes at
 * Merge and at Close, nothing to merge; slugs and branch names that never collide.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { beforeEach, describe, expect, it } from 'vitest';
import { GitCli } from '../../src/backends/git.js';
import { openDatabase } from '../../src/store/db.js';
import { SqliteAutomationStore } from '../../src/store/automation-repo.js';
import { branchSlug, Worktrees } from '../../src/sessions/worktrees.js';

let root: string;
let repo: string;
let wt: Worktrees;
const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-C', cwd, '-c', 'user.name=T', '-c', 'user.email=t@example.com', ...args], { encoding: 'utf8' });

beforeEach(() => {
  root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'cdb-wt-')));
  repo = path.join(root, 'repo');
  fs.mkdirSync(repo);
  git(repo, 'init', '-q', '-b', 'main');
  fs.writeFileSync(path.join(repo, 'a.txt'), 'a\n');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-qm', 'a');
  const db = openDatabase(':memory:');
  db.pragma('foreign_keys = OFF'); // worktree rows name sessions this test does not make
  wt = new Worktrees({ git: new GitCli(), store: new SqliteAutomationStore(db), workspaceRoot: root, log: pino({ level: 'silent' }) });
});

describe('Worktrees', () => {
  it('names branches from the session\'s name, and never reuses one', async () => {
    expect(branchSlug('Fix the Login bug!! (urgent)')).toBe('fix-the-login-bug-urgent');
    expect(branchSlug('🙂')).toBe('session');
    const one = await wt.create(repo, 'Fix it');
    const two = await wt.create(path.join(repo), 'fix it');
    expect([one.branch, two.branch]).toEqual(['claude/fix-it', 'claude/fix-it-2']);
    expect(git(repo, 'worktree', 'list')).toContain(two.path);
  });

  it('refuses a directory that is no repository, a detached checkout, and a repository outside the workspace', async () => {
    const plain = path.join(root, 'plain');
    fs.mkdirSync(plain);
    await expect(wt.create(plain, 'x')).rejects.toThrow(/is not inside a git repository/);
    git(repo, 'checkout', '-q', '--detach');
    await expect(wt.create(repo, 'x')).rejects.toThrow(/detached HEAD/);
    const elsewhere = new Worktrees({ git: new GitCli(), store: new SqliteAutomationStore(openDatabase(':memory:')), workspaceRoot: path.join(root, 'plain'), log: pino({ level: 'silent' }) });
    git(repo, 'checkout', '-q', 'main');
    await expect(elsewhere.create(repo, 'x')).rejects.toThrow(/outside the workspace/);
  });

  it('says why it does not merge (nothing to merge, uncommitted changes) and keeps a worktree with uncommitted changes at Close', async () => {
    const w = wt.bind('s1', await wt.create(repo, 'work'));
    expect(await wt.merge(w)).toEqual({ merged: false, reason: expect.stringContaining('nothing to merge') });
    fs.writeFileSync(path.join(w.path, 'a.txt'), 'changed\n');
    expect(await wt.merge(w)).toEqual({ merged: false, reason: expect.stringContaining('uncommitted changes') });
    fs.writeFileSync(path.join(w.path, 'new.txt'), 'new\n');
    const diff = await wt.diff(w);
    expect(diff.text).toContain('+changed');
    expect(diff.text).toContain('+++ b/new.txt'); // new files not yet added are shown too
    expect(await wt.remove(w)).toContain('has uncommitted changes, so it was kept');
    expect(fs.existsSync(w.path)).toBe(true);
    git(w.path, 'add', '-A');
    git(w.path, 'commit', '-qm', 'work');
    fs.writeFileSync(path.join(repo, 'a.txt'), 'dirty base\n');
    expect(await wt.merge(w)).toEqual({ merged: false, reason: expect.stringContaining('has uncommitted changes; commit or stash them first') });
    git(repo, 'checkout', '-q', '--', 'a.txt');
    expect(await wt.merge(w)).toEqual({ merged: true, commits: 1 });
    expect(await wt.remove(w)).toBeNull();
    expect(fs.existsSync(w.path)).toBe(false);
    expect(git(repo, 'branch', '--list', w.branch).trim()).toBe(w.branch);
  });
});
