/**
 * `TmuxMonitor`'s judgement of vanished sessions against a stand-in `list-sessions` whose answers
 * the test releases one at a time (the real tmux is in test/contract/backend.contract.test.ts).
 * Found by `npm run bench:hub-many`, starting ten sessions at once on a runner: a session created
 * while a listing was under way was judged by that older listing, reported vanished (SIGHUP) and
 * its turn failed with "Claude Code stopped unexpectedly", while its process ran on.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ExecResult } from '../../src/backends/exec.js';
import { TmuxMonitor } from '../../src/backends/tmux-monitor.js';

// The control client: stays until its input ends (as `tmux -C` does), prints nothing.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdb-monitor-'));
const client = path.join(dir, 'control-client');
fs.writeFileSync(client, '#!/bin/sh\nexec cat >/dev/null\n', { mode: 0o755 });
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function until(what: string, ok: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!ok()) throw new Error(`gave up waiting: ${what}`);
}

describe('TmuxMonitor', () => {
  it('judges a session watched during a listing by the next listing, not by the one taken before it existed', async () => {
    const alive = new Set<string>();
    const held: Array<() => void> = [];
    const run = async (args: string[]): Promise<ExecResult> => {
      if (args[0] !== 'list-sessions') return { stdout: '', stderr: '' };
      const snapshot = [...alive]; // what tmux lists is what exists when it is asked
      await new Promise<void>((release) => held.push(release));
      return { stdout: `${snapshot.join('\n')}\n`, stderr: '' };
    };
    const monitor = new TmuxMonitor({ bin: client, socket: 'unused', env: {}, run });
    const vanished: string[] = [];
    alive.add('cdb-a');
    const stopA = monitor.watch('cdb-a', () => vanished.push('cdb-a')); // listing 1 asked: [cdb-a]
    await until('listing 1 asked', () => held.length === 1);
    alive.add('cdb-b'); // created while listing 1 is under way, then watched
    const stopB = monitor.watch('cdb-b', () => vanished.push('cdb-b'));
    held.shift()!(); // listing 1 answers without cdb-b
    await until('listing 2 asked', () => held.length === 1);
    expect(vanished).toEqual([]);
    held.shift()!(); // listing 2: [cdb-a, cdb-b]
    await new Promise((r) => setTimeout(r, 50));
    expect(vanished).toEqual([]);

    // Sessions that really went are still reported: one killed, one that never came up.
    alive.delete('cdb-a');
    const stopC = monitor.watch('cdb-c', () => vanished.push('cdb-c'));
    await until('listing 3 asked', () => held.length === 1);
    held.shift()!();
    await until('both reported', () => vanished.length === 2);
    expect(vanished.sort()).toEqual(['cdb-a', 'cdb-c']);
    for (const stop of [stopA, stopB, stopC]) stop();
    held.splice(0).forEach((release) => release());
  });
});
