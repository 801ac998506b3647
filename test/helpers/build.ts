/**
 * vitest global setup: the end-to-end tests run the bot as it ships (bin/claude-bridge.js runs the
 * compiled dist/), so dist/ is brought up to date first (tsc, incremental) — a test never runs a
 * stale build of the code it tests.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';

export default function setup(): void {
  const root = path.resolve(import.meta.dirname, '../..');
  execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
}
