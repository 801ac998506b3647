/**
 * Conversation benchmarks: `/claude sessions` over 10,000 transcripts (cold: empty cache; warm:
 * cached summaries, files only stat'ed) and export of a 50 MB transcript in each format (time, peak
 * RSS). Transcripts are synthetic but shaped like Claude Code 2.1.330's.
 *
 *   npx tsx scripts/bench/catalog.ts [transcripts=10000] [exportMiB=50]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import { exportTranscript, type ExportFormat } from '../../src/claude/export.js';
import { historyBySession } from '../../src/claude/history.js';
import { TranscriptIndex } from '../../src/claude/transcript-index.js';
import { parseSnowflake } from '../../src/core/ids.js';
import { openDatabase } from '../../src/store/db.js';
import { SqliteSessionStore } from '../../src/store/sessions-repo.js';
import { listSessions } from '../../src/sessions/catalog.js';

const count = Number(process.argv[2] ?? 10_000);
const exportMiB = Number(process.argv[3] ?? 50);
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cdb-bench-cat-'));
const cwd = fs.realpathSync(root);
const index = new TranscriptIndex(path.join(root, 'config'));
const dir = index.projectDir(cwd);
fs.mkdirSync(dir, { recursive: true });

function entries(id: string, turns: number, t0: number): string[] {
  const out: string[] = [];
  let parent: string | null = null;
  for (let i = 0; i < turns; i++) {
    const u = randomUUID();
    const a = randomUUID();
    const ts = new Date(t0 + i * 60_000).toISOString();
    out.push(JSON.stringify({ type: 'user', uuid: u, parentUuid: parent, sessionId: id, cwd, timestamp: ts, message: { role: 'user', content: `prompt ${i}: please look at src/file${i}.ts and fix the failing test` } }));
    out.push(JSON.stringify({ type: 'attachment', uuid: randomUUID(), parentUuid: u, sessionId: id, cwd, timestamp: ts, attachment: { type: 'todo', content: [] } }));
    out.push(JSON.stringify({ type: 'assistant', uuid: a, parentUuid: u, sessionId: id, cwd, timestamp: ts, message: { role: 'assistant', content: [{ type: 'text', text: `Here is what I found in file${i}. `.repeat(8) }, { type: 'tool_use', id: 't', name: 'Bash', input: { command: 'npm test' } }] } }));
    parent = a;
  }
  return out;
}

const t0 = Date.now() - 30 * 86_400_000;
for (let i = 0; i < count; i++) {
  const id = randomUUID();
  fs.writeFileSync(path.join(dir, `${id}.jsonl`), `${entries(id, 3 + (i % 5), t0 + i * 1000).join('\n')}\n`);
}
const sizes = fs.readdirSync(dir).reduce((n, f) => n + fs.statSync(path.join(dir, f)).size, 0);

const store = new SqliteSessionStore(openDatabase(':memory:'));
const owner = parseSnowflake('100000000000000001');
async function list() {
  const [transcripts, history] = await Promise.all([index.list(cwd), historyBySession(path.join(root, 'config'), cwd)]);
  return listSessions({ store, mine: store.listByOwner(owner), cwd, transcripts, history });
}
const time = async <T>(fn: () => Promise<T>) => { const s = performance.now(); const r = await fn(); return { ms: performance.now() - s, r }; };

let dropped = false;
try { fs.writeFileSync('/proc/sys/vm/drop_caches', '3'); dropped = true; } catch { /* not permitted here */ }
const cold = await time(list);
const warm = [];
for (let i = 0; i < 5; i++) warm.push((await time(list)).ms);
warm.sort((a, b) => a - b);

// Export: a single transcript of exportMiB MiB, written as a stream so generation costs no memory.
const big = path.join(dir, `${randomUUID()}.jsonl`);
const ws = fs.createWriteStream(big);
for (let written = 0, i = 0; written < exportMiB * 1024 * 1024; i++) {
  const chunk = `${entries(randomUUID(), 20, t0 + i).join('\n')}\n`;
  written += Buffer.byteLength(chunk);
  if (!ws.write(chunk)) await once(ws, 'drain');
}
await new Promise<void>((r) => ws.end(() => r()));
const hwm = () => Number(/VmHWM:\s+(\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))![1]) / 1024;
const rssBefore = process.memoryUsage().rss / 1024 ** 2;
const exports: string[] = [];
for (const format of ['markdown', 'json', 'jsonl'] as ExportFormat[]) {
  const out = fs.createWriteStream(path.join(root, `out.${format}`));
  const { ms } = await time(() => exportTranscript(big, format, out, { sessionId: 'bench', cwd }));
  await new Promise<void>((r) => out.end(() => r()));
  exports.push(`| ${format} | ${ms.toFixed(0)} ms | ${(fs.statSync(path.join(root, `out.${format}`)).size / 1024 ** 2).toFixed(1)} MiB |`);
}
const peak = hwm();

console.log(`conversation benchmarks (${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores, node ${process.version})`);
console.log(`/claude sessions over ${count} transcripts (${(sizes / 1024 ** 2).toFixed(0)} MiB, ${cold.r.length} listed):`);
console.log(`  cold (empty cache${dropped ? ', OS page cache dropped' : ', OS page cache warm'}): ${cold.ms.toFixed(0)} ms`);
console.log(`  warm (median of 5): ${warm[2]!.toFixed(0)} ms`);
console.log(`export of a ${(fs.statSync(big).size / 1024 ** 2).toFixed(1)} MiB transcript:`);
console.log('| format | time | output |\n| --- | --- | --- |');
for (const e of exports) console.log(e);
console.log(`peak RSS of the whole benchmark process: ${peak.toFixed(0)} MiB (RSS before the exports: ${rssBefore.toFixed(0)} MiB)`);
store.close();
fs.rmSync(root, { recursive: true, force: true });
