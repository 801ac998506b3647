#!/usr/bin/env node
// Runs the compiled bridge (dist/, built by `npm run build`, which `npm install` runs).
import { existsSync } from 'node:fs';
import module from 'node:module';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/cli/index.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('The compiled bridge is missing (dist/). Build it with: npm run build\n');
  process.exit(1);
}
// Node 22+: keep V8's compiled code of the bridge and its dependencies on disk (the OS temp dir), so
// a start after the first skips most of the parsing and compiling of discord.js and the rest.
module.enableCompileCache?.();
await import(entry.href);
