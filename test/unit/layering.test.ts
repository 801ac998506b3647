/** DESIGN.md §1: a wrong arrow between layers fails the suite (rules in .dependency-cruiser.cjs). */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');

it('src/ keeps to the layering of DESIGN.md', async () => {
  const bin = path.join(root, 'node_modules/.bin/depcruise');
  const run = promisify(execFile);
  const result = await run(bin, ['src', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'], { cwd: root }).catch((e) => e);
  expect(result.stdout + (result.stderr ?? '')).toContain('no dependency violations found');
}, 60_000);
