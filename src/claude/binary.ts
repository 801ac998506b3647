/**
 * Finds the `claude` binary: `CLAUDE_BIN`, else `claude` on PATH, else the native CLI shipped in the
 * Agent SDK's platform package (`@anthropic-ai/claude-agent-sdk-<platform>-<arch>[-musl]`).
 * Reads the file system only; never runs the binary.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { BridgeError } from '../core/errors.js';

export interface ResolvedBinary {
  path: string;
  source: 'CLAUDE_BIN' | 'PATH' | 'agent-sdk';
}

function isExecutable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/** @throws BridgeError `PROCESS_START_FAILED` when `CLAUDE_BIN` is set but not executable, or nothing is found. */
export function resolveClaudeBinary(claudeBin: string | undefined, env: NodeJS.ProcessEnv = process.env): ResolvedBinary {
  if (claudeBin) {
    if (!isExecutable(claudeBin)) {
      throw new BridgeError('PROCESS_START_FAILED', { reason: `CLAUDE_BIN=${claudeBin} is not an executable file` });
    }
    return { path: path.resolve(claudeBin), source: 'CLAUDE_BIN' };
  }
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, 'claude');
    if (isExecutable(candidate)) return { path: candidate, source: 'PATH' };
  }
  const require = createRequire(import.meta.url);
  const base = `@anthropic-ai/claude-agent-sdk-${process.platform}-${process.arch}`;
  for (const pkg of [base, `${base}-musl`]) {
    try {
      const dir = path.dirname(require.resolve(`${pkg}/package.json`));
      const candidate = path.join(dir, process.platform === 'win32' ? 'claude.exe' : 'claude');
      if (isExecutable(candidate)) return { path: candidate, source: 'agent-sdk' };
    } catch {
      // not installed for this platform; try the next
    }
  }
  throw new BridgeError('PROCESS_START_FAILED', {
    reason: 'no claude binary: set CLAUDE_BIN, put claude on PATH, or run npm install',
  });
}
