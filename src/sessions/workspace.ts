/**
 * The workspace: every session directory must resolve — realpath, symlinks followed — to
 * `WORKSPACE_ROOT` itself or a directory inside it. A symlink inside the root that points out of
 * it is therefore refused, checked again when each process starts (a link may change meanwhile).
 */
import fs from 'node:fs';
import path from 'node:path';
import { BridgeError } from '../core/errors.js';
import type { Snowflake } from '../core/ids.js';
import type { SessionStore } from '../store/types.js';

/** Whether `real` (a realpath) is `root` (a realpath) or inside it. */
export function isInside(root: string, real: string): boolean {
  const rel = path.relative(root, real);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * `dir` (absolute, or relative to `root`) as a realpath inside `root`.
 * @throws BridgeError `DIR_NOT_FOUND` (missing, or not a directory), `OUTSIDE_WORKSPACE`
 */
export function resolveInWorkspace(root: string, dir: string): string {
  let real: string;
  try {
    real = fs.realpathSync(path.resolve(root, dir));
    if (!fs.statSync(real).isDirectory()) throw new Error('not a directory');
  } catch (err) {
    throw new BridgeError('DIR_NOT_FOUND', { dir: dir.slice(0, 200) }, { cause: err });
  }
  if (!isInside(root, real)) throw new BridgeError('OUTSIDE_WORKSPACE', { dir: dir.slice(0, 200), root });
  return real;
}

/** Where sessions run: the workspace root, the default directory, and the directories set per channel. */
export class Workspace {
  /**
   * @param root realpath of `WORKSPACE_ROOT`
   * @param defaultCwd realpath of `CLAUDE_WORKDIR`
   * @throws BridgeError `OUTSIDE_WORKSPACE` when `defaultCwd` is not inside `root`
   */
  constructor(
    readonly root: string,
    readonly defaultCwd: string,
    private readonly store: Pick<SessionStore, 'getChannelDir' | 'setChannelDir'>,
    private readonly now: () => number = Date.now,
  ) {
    if (!isInside(root, defaultCwd)) throw new BridgeError('OUTSIDE_WORKSPACE', { dir: defaultCwd, root });
  }

  /** The directory of new sessions in a channel: its own, else its parent's (a thread's channel), else the default. */
  cwdFor(channelId: Snowflake, parentId: Snowflake | null = null): string {
    return this.store.getChannelDir(channelId) ?? (parentId ? this.store.getChannelDir(parentId) : null) ?? this.defaultCwd;
  }

  /**
   * Sets a channel's directory (for sessions created there from now on).
   * @returns the directory's realpath
   * @throws BridgeError `DIR_NOT_FOUND`, `OUTSIDE_WORKSPACE`
   */
  setChannelDir(channelId: Snowflake, dir: string, setBy: Snowflake): string {
    const real = resolveInWorkspace(this.root, dir);
    this.store.setChannelDir(channelId, real, setBy, this.now());
    return real;
  }
}
