/**
 * Files in a session's working directory, confined: an upload is saved under
 * `<cwd>/.claude-bridge/uploads/<message id>/<name>` (name sanitized, no symlink followed), and a
 * file to send out must resolve — realpath, symlinks followed — inside the directory. Used by the
 * Discord adapter (uploads in, `/claude file`), the bridge's MCP server (`send_file`) and the
 * delivery of sent files, which checks again (a link may change meanwhile).
 */
import fs from 'node:fs';
import path from 'node:path';
import { BridgeError } from '../core/errors.js';
import { isInside } from './workspace.js';

/** Where uploads go, relative to the session's directory. */
export const UPLOADS_DIR = path.join('.claude-bridge', 'uploads');

/** `1536` → `1.5 KiB`; bytes in binary units, for messages. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${Number.isInteger(v) ? v : v.toFixed(1)} ${units[i]}`;
}

/**
 * A file name safe to create in one directory: its last path segment, control characters and
 * anything but letters, digits, `._-+()` and spaces replaced by `_`, no leading dots (no hidden
 * files, no `..`), at most 100 chars keeping the extension; `file` when nothing is left.
 */
export function sanitizeFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  let s = base.normalize('NFC').replace(/[^\p{L}\p{N}._\-+() ]/gu, '_').replace(/^[.\s]+/, '').trim();
  if (s.length > 100) {
    const ext = path.extname(s).slice(0, 20);
    s = s.slice(0, 100 - ext.length) + ext;
  }
  return s || 'file';
}

/**
 * Saves an upload under the session's directory; `names` (the names already used for this
 * message) makes a second `a.png` `a (2).png`.
 * @param cwd the session's directory (absolute)
 * @param messageId the Discord message (or interaction) id the file came with: digits only
 * @returns the file's absolute path (under the realpath of `cwd`), as given to Claude
 * @throws BridgeError `FILE_OUTSIDE` when the uploads directory resolves outside `cwd` (a symlink);
 * Error on a bad id or a failed write
 */
export async function saveUpload(cwd: string, messageId: string, name: string, data: Uint8Array, names: Set<string> = new Set()): Promise<string> {
  if (!/^\d{1,25}$/.test(messageId)) throw new Error(`not a message id: ${messageId}`);
  const root = await fs.promises.realpath(cwd);
  const dir = path.join(root, UPLOADS_DIR, messageId);
  await fs.promises.mkdir(dir, { recursive: true });
  const real = await fs.promises.realpath(dir);
  if (!isInside(root, real)) throw new BridgeError('FILE_OUTSIDE', { path: path.join(UPLOADS_DIR, messageId) });
  await ignoreInGit(path.join(root, path.dirname(UPLOADS_DIR)));
  let file = sanitizeFileName(name);
  const ext = path.extname(file);
  for (let n = 2; names.has(file); n++) file = `${file.slice(0, file.length - ext.length).replace(/ \(\d+\)$/, '')} (${n})${ext}`;
  names.add(file);
  // O_NOFOLLOW: a symlink planted at the name is refused, not written through.
  const fh = await fs.promises.open(path.join(real, file), fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_TRUNC | fs.constants.O_NOFOLLOW, 0o644);
  try { await fh.writeFile(data); } finally { await fh.close(); }
  return path.join(real, file);
}

/** Keeps `.claude-bridge/` out of the user's `git status`: a `.gitignore` of `*` in it, made once (never through a link). */
async function ignoreInGit(dir: string): Promise<void> {
  const flags = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW;
  await fs.promises.open(path.join(dir, '.gitignore'), flags, 0o644).then(
    async (fh) => { try { await fh.writeFile('# files uploaded through claude-discord-bridge\n*\n'); } finally { await fh.close(); } },
    (err: NodeJS.ErrnoException) => { if (err.code !== 'EEXIST') throw err; },
  );
}

/** A file of the session's directory, resolved. */
export interface SessionFile {
  /** Realpath. */
  real: string;
  /** Its file name. */
  name: string;
  /** Bytes. */
  size: number;
}

/**
 * Resolves `p` (absolute, or relative to `cwd`) to a regular file inside `cwd` of at most `maxBytes`.
 * @throws BridgeError `FILE_NOT_FOUND` (missing, or not a regular file), `FILE_OUTSIDE`, `FILE_TOO_LARGE`
 */
export async function resolveSessionFile(cwd: string, p: string, maxBytes: number): Promise<SessionFile> {
  const shown = p.slice(0, 200);
  const root = await fs.promises.realpath(cwd);
  let real: string;
  try {
    real = await fs.promises.realpath(path.resolve(root, p));
  } catch (err) {
    if (!isInside(root, path.resolve(root, p))) throw new BridgeError('FILE_OUTSIDE', { path: shown });
    throw new BridgeError('FILE_NOT_FOUND', { path: shown }, { cause: err });
  }
  if (!isInside(root, real)) throw new BridgeError('FILE_OUTSIDE', { path: shown });
  const st = await fs.promises.stat(real);
  if (!st.isFile()) throw new BridgeError('FILE_NOT_FOUND', { path: shown });
  if (st.size > maxBytes) throw new BridgeError('FILE_TOO_LARGE', { path: shown, size: formatBytes(st.size), limit: formatBytes(maxBytes) });
  return { real, name: path.basename(real), size: st.size };
}
