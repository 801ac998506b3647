/**
 * `Worktrees`: sessions that work in a git worktree of their channel's repository, so parallel
 * sessions never share a checkout. A worktree is `git worktree add -b claude/<slug> <repo>/.claude/worktrees/<slug> <base>`
 * (the place Claude Code's own `--worktree` uses), where `<base>` is the branch the repository's
 * checkout is on. Diff shows what the branch and the worktree changed since they left the base;
 * Merge fast-forwards the base when everything is committed and nothing moved meanwhile, or says
 * why not; removing keeps the branch and refuses while there are uncommitted changes. git runs
 * only through {@link GitRunner} (argv arrays); every path is a realpath inside the workspace root.
 */
import fs from 'node:fs';
import path from 'node:path';
import { BridgeError, makeErrorRef } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { GitResult, GitRunner } from '../backends/git.js';
import type { AutomationStore, WorktreeRecord } from '../store/automation-types.js';
import { isInside } from './workspace.js';

/** Where worktrees go inside a repository, and what its checkout should not list as untracked. */
const WORKTREE_DIR = path.join('.claude', 'worktrees');
const EXCLUDES = ['/.claude/worktrees/', '/.claude-bridge/'];
/** Largest diff posted, bytes (Discord takes 10 MiB per file; the rest is cut and said so). */
export const DIFF_LIMIT = 8 * 1024 * 1024;

export type MergeOutcome = { merged: true; commits: number } | { merged: false; reason: string };

/** `claude/<slug>`'s slug: lowercase letters, digits and dashes, at most 40 chars. */
export function branchSlug(name: string): string {
  const slug = name.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40).replace(/-+$/, '');
  return slug || 'session';
}

export class Worktrees {
  constructor(private readonly opts: { git: GitRunner; store: AutomationStore; workspaceRoot: string; log: Logger; now?: () => number }) {}

  /** Whether new sessions in this channel (or its parent, for a thread) work in worktrees. */
  wantedIn(channelId: string, parentId: string | null): boolean {
    return this.opts.store.channelWorktrees(channelId) || (parentId !== null && this.opts.store.channelWorktrees(parentId));
  }

  setChannel(channelId: string, on: boolean): void {
    this.opts.store.setChannelWorktrees(channelId, on);
  }

  get(sessionId: string): WorktreeRecord | null {
    return this.opts.store.getWorktree(sessionId);
  }

  /** Every session's worktree (to tidy those of sessions removed, see `/claude clean`). */
  list(): WorktreeRecord[] {
    return this.opts.store.listWorktrees();
  }

  /**
   * Makes a worktree of the repository `dir` is in, on a new branch named from `name`.
   * @returns the worktree (its `sessionId` empty until {@link Worktrees.bind})
   * @throws BridgeError `NOT_A_REPOSITORY`, `WORKTREE_DETACHED`, `OUTSIDE_WORKSPACE`, `WORKTREE_FAILED`
   */
  async create(dir: string, name: string): Promise<Omit<WorktreeRecord, 'sessionId'>> {
    const top = await this.git(dir, ['rev-parse', '--show-toplevel']);
    if (top.code !== 0) throw new BridgeError('NOT_A_REPOSITORY', { dir: dir.slice(0, 200) });
    const repo = this.confine(top.stdout.trim());
    const head = await this.git(repo, ['symbolic-ref', '--quiet', '--short', 'HEAD']);
    if (head.code !== 0) throw new BridgeError('WORKTREE_DETACHED');
    const base = head.stdout.trim();
    const slug = await this.freeSlug(repo, branchSlug(name));
    const branch = `claude/${slug}`;
    const target = path.join(repo, WORKTREE_DIR, slug);
    await this.exclude(repo);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    this.must(await this.git(repo, ['worktree', 'add', '-b', branch, '--', target, base]), 'worktree add');
    const real = this.confine(fs.realpathSync(target));
    this.opts.log.info({ repo, branch, base, path: real }, 'worktree created');
    return { repo, path: real, branch, base, createdAt: (this.opts.now ?? Date.now)() };
  }

  /** Records that session `sessionId` works in `w`. */
  bind(sessionId: string, w: Omit<WorktreeRecord, 'sessionId'>): WorktreeRecord {
    const record = { ...w, sessionId };
    this.opts.store.insertWorktree(record);
    return record;
  }

  /**
   * The worktree's changes against the base, as one unified diff: commits on the branch since it
   * left the base, uncommitted changes, and new files not yet added.
   * @returns the diff text (empty when nothing changed) and whether it was cut at {@link DIFF_LIMIT}
   */
  async diff(w: WorktreeRecord): Promise<{ text: string; cut: boolean }> {
    const cwd = this.confine(w.path);
    const mb = this.must(await this.git(cwd, ['merge-base', w.base, 'HEAD']), 'merge-base').stdout.trim();
    let text = this.must(await this.git(cwd, ['diff', '--no-color', '--no-ext-diff', mb]), 'diff').stdout;
    const untracked = this.must(await this.git(cwd, ['ls-files', '--others', '--exclude-standard', '-z']), 'ls-files').stdout.split('\0').filter(Boolean);
    for (const file of untracked) {
      if (text.length > DIFF_LIMIT) break;
      const r = await this.git(cwd, ['diff', '--no-color', '--no-ext-diff', '--no-index', '--', '/dev/null', file]);
      if (r.code > 1) this.must(r, 'diff --no-index'); // 1 = there are differences
      text += r.stdout;
    }
    return text.length > DIFF_LIMIT ? { text: text.slice(0, DIFF_LIMIT), cut: true } : { text, cut: false };
  }

  /** Fast-forwards the base branch to the worktree's branch when that is safe; else says why not. */
  async merge(w: WorktreeRecord): Promise<MergeOutcome> {
    const cwd = this.confine(w.path);
    const repo = this.confine(w.repo);
    if ((await this.git(cwd, ['status', '--porcelain'])).stdout.trim()) {
      return { merged: false, reason: 'the worktree has uncommitted changes. Ask Claude to commit them (or discard them), then press Merge again.' };
    }
    const ahead = Number(this.must(await this.git(repo, ['rev-list', '--count', `${w.base}..${w.branch}`]), 'rev-list').stdout.trim());
    if (ahead === 0) return { merged: false, reason: `\`${w.branch}\` has no commits that \`${w.base}\` lacks: nothing to merge.` };
    const on = (await this.git(repo, ['symbolic-ref', '--quiet', '--short', 'HEAD'])).stdout.trim();
    if (on !== w.base) return { merged: false, reason: `the repository's checkout is on \`${on || 'a detached HEAD'}\`, not \`${w.base}\`, so \`${w.base}\` cannot be merged into there.` };
    if ((await this.git(repo, ['status', '--porcelain', '--untracked-files=no'])).stdout.trim()) {
      return { merged: false, reason: `the checkout of \`${w.base}\` at \`${repo}\` has uncommitted changes; commit or stash them first.` };
    }
    if ((await this.git(repo, ['merge-base', '--is-ancestor', w.base, w.branch])).code !== 0) {
      return { merged: false, reason: `\`${w.base}\` has moved on since \`${w.branch}\` left it, so this is not a fast-forward. Ask Claude to rebase the branch on \`${w.base}\` (and resolve any conflicts), then press Merge again.` };
    }
    this.must(await this.git(repo, ['merge', '--ff-only', '--no-edit', w.branch]), 'merge --ff-only');
    this.opts.log.info({ repo, branch: w.branch, base: w.base, commits: ahead }, 'worktree branch merged');
    return { merged: true, commits: ahead };
  }

  /**
   * Removes the worktree (the branch stays) unless it has uncommitted changes.
   * @returns `null` when removed, else the reason it was kept
   */
  async remove(w: WorktreeRecord): Promise<string | null> {
    const cwd = this.confine(w.path);
    if ((await this.git(cwd, ['status', '--porcelain'])).stdout.trim()) {
      return `the worktree \`${w.path}\` has uncommitted changes, so it was kept (branch \`${w.branch}\`).`;
    }
    this.must(await this.git(this.confine(w.repo), ['worktree', 'remove', '--', cwd]), 'worktree remove');
    this.opts.store.deleteWorktree(w.sessionId);
    this.opts.log.info({ path: w.path, branch: w.branch }, 'worktree removed; branch kept');
    return null;
  }

  /** The first of `slug`, `slug-2`, `slug-3`… with no branch `claude/<it>` and no directory yet. */
  private async freeSlug(repo: string, slug: string): Promise<string> {
    for (let n = 1; ; n++) {
      const s = n === 1 ? slug : `${slug}-${n}`;
      const taken = (await this.git(repo, ['rev-parse', '--verify', '--quiet', `refs/heads/claude/${s}`])).code === 0;
      if (!taken && !fs.existsSync(path.join(repo, WORKTREE_DIR, s))) return s;
    }
  }

  /** Keeps worktrees and bridge files out of the repository's `git status` (its `info/exclude`). */
  private async exclude(repo: string): Promise<void> {
    const r = this.must(await this.git(repo, ['rev-parse', '--path-format=absolute', '--git-common-dir']), 'rev-parse');
    const file = path.join(r.stdout.trim(), 'info', 'exclude');
    const have = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    const missing = EXCLUDES.filter((e) => !have.split('\n').includes(e));
    if (missing.length === 0) return;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.appendFileSync(file, `${have && !have.endsWith('\n') ? '\n' : ''}# claude-discord-bridge\n${missing.join('\n')}\n`);
  }

  /** `p` as a realpath inside the workspace root. @throws BridgeError `OUTSIDE_WORKSPACE` */
  private confine(p: string): string {
    const real = fs.realpathSync(p);
    if (!isInside(this.opts.workspaceRoot, real)) throw new BridgeError('OUTSIDE_WORKSPACE', { dir: real.slice(0, 200), root: this.opts.workspaceRoot });
    return real;
  }

  private git(cwd: string, args: readonly string[]): Promise<GitResult> {
    return this.opts.git.run(cwd, args);
  }

  /** The result when git succeeded. @throws BridgeError `WORKTREE_FAILED` (git's words go to the log) */
  private must(r: GitResult, what: string): GitResult {
    if (r.code === 0) return r;
    const ref = makeErrorRef();
    this.opts.log.error({ ref, what, code: r.code, stderr: r.stderr.slice(0, 2000) }, 'git failed');
    throw new BridgeError('WORKTREE_FAILED', { ref });
  }
}
