#!/usr/bin/env node
// Runs the compiled bridge (dist/, built by `npm run build`, which `npm install` runs).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/cli/index.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('The compiled bridge is missing (dist/). Build it with: npm run build\n');
  process.exit(1);
}
await import(entry.href);
