/**
 * What the bridge's per-session MCP server (`send_file`) costs: the time from spawning `claude`
 * (stream-json) to the `result` of its first prompt, with and without `--mcp-config` for the
 * server (runs alternate), and the resident memory of the server's own Node process. Against the
 * local Anthropic stub answering at once. Needs `npm run build` (the server runs from dist/).
 *
 *   npx tsx scripts/bench/mcp-start.ts [runs=10]
 */
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveClaudeBinary } from '../../src/claude/binary.js';
import { bridgeMcp, mcpArgs } from '../../src/claude/mcp-config.js';
import { startAnthropicStub } from '../../test/fakes/anthropic-stub.js';
import { makeClaudeTestEnv } from '../../test/helpers/claude-env.js';

const runs = Number(process.argv[2] ?? 10);
const script = path.resolve(import.meta.dirname, '../../dist/mcp/send-file-server.js');
if (!fs.existsSync(script)) throw new Error('dist/mcp/send-file-server.js is missing: npm run build');
const stub = await startAnthropicStub();
const cenv = makeClaudeTestEnv(stub.url);
const claude = resolveClaudeBinary(undefined, { PATH: '' }).path;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** ms from spawn to the first `result`; with `rss`, the server's RSS (KiB) read once the answer is in. */
async function firstAnswer(withMcp: boolean): Promise<{ ms: number; rssKiB: number | null }> {
  const mcp = withMcp ? mcpArgs([bridgeMcp({ command: process.execPath, script, sessionDir: cenv.workDir, outboxDir: path.join(cenv.workDir, '..', 'outbox'), maxUploadBytes: 10 << 20 })]) : [];
  const t = performance.now();
  const child = spawn(claude, ['-p', '--input-format', 'stream-json', '--output-format', 'stream-json', '--verbose', ...mcp], { cwd: cenv.workDir, env: cenv.env, stdio: ['pipe', 'pipe', 'ignore'] });
  child.stdin.write(`${JSON.stringify({ type: 'user', session_id: '', parent_tool_use_id: null, message: { role: 'user', content: 'hello' } })}\n`);
  let buf = '';
  await new Promise<void>((resolve) => child.stdout.on('data', (d: Buffer) => { buf += d; if (buf.includes('"type":"result"')) resolve(); }));
  const ms = performance.now() - t;
  let rssKiB: number | null = null;
  if (withMcp) {
    const pids = execFileSync('pgrep', ['-P', String(child.pid)], { encoding: 'utf8' }).split('\n').filter(Boolean);
    for (const pid of pids) {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (cmd.includes('send-file-server')) rssKiB = Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
    }
  }
  child.kill();
  await new Promise((r) => child.once('exit', r));
  return { ms, rssKiB };
}

try {
  await firstAnswer(false); // warm the file cache
  const without: number[] = [];
  const withServer: number[] = [];
  const rss: number[] = [];
  for (let i = 0; i < runs; i++) {
    without.push((await firstAnswer(false)).ms);
    const r = await firstAnswer(true);
    withServer.push(r.ms);
    if (r.rssKiB !== null) rss.push(r.rssKiB);
  }
  console.log(`bridge MCP server (${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores, node ${process.version}, ${runs} runs each, stub answering at once)`);
  console.log(`spawn → first result, without --mcp-config: median ${median(without).toFixed(0)} ms`);
  console.log(`spawn → first result, with the bridge server: median ${median(withServer).toFixed(0)} ms`);
  console.log(`send-file-server RSS: median ${rss.length ? (median(rss) / 1024).toFixed(1) : '?'} MiB (${rss.length} samples)`);
} finally {
  await stub.close();
}
