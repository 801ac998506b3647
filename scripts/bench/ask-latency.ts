/**
 * Measures `/claude ask` latency end to end: injected interaction → first visible edit of the reply,
 * → first edit showing answer text, → final message (THREADS=false: answers are interaction
 * replies). Then, with THREADS=true, a plain message in a session's thread → its answer's first
 * edit with text, and final. The bot runs as `npm start` runs it, against the fake Discord and the
 * Anthropic stub (answering at once), with real tmux, SQLite and `claude`.
 *
 *   npm run bench            (or: npx tsx scripts/bench/ask-latency.ts [asks=20])
 */
import { type Interaction } from '../../test/fakes/discord/server.js';
import { benchRig, machine, median, p95 } from './rig.js';

const asks = Number(process.argv[2] ?? 20);
const rig = await benchRig('latency');
const { discord, user } = rig;

function edits(i: Interaction) {
  return discord.calls.filter((c) => c.method === 'PATCH' && c.path.includes(i.token) && c.status === 200);
}

async function one(prompt: string) {
  const i = discord.injectCommand({ user, name: 'claude', subcommand: 'ask', options: { prompt } });
  const t0 = i.createdAt;
  // Final: the answer text, and the Stop button replaced by the answer buttons.
  const final = await discord.waitFor(() => edits(i).find((c) => (c.body?.content as string)?.startsWith('echo:') && !JSON.stringify(c.body?.components ?? []).includes('cdb:stop:')), 60_000, 'final');
  const all = edits(i);
  const firstText = all.find((c) => (c.body?.content as string)?.startsWith('echo:'))!;
  return { firstEdit: all[0]!.at - t0, firstText: firstText.at - t0, final: final.at - t0 };
}

try {
  await rig.start({ THREADS: 'false', SPARE_PROCESSES: '0' });
  const cold = await one('cold start');
  const warm: Array<Awaited<ReturnType<typeof one>>> = [];
  for (let n = 0; n < asks; n++) warm.push(await one(`warm ${n}`));
  const row = (name: string, pick: (r: (typeof warm)[number]) => number) =>
    `| ${name} | ${pick(cold)} | ${median(warm.map(pick))} | ${p95(warm.map(pick))} |`;
  console.log(`/claude ask latency, ms (${machine()}; ${asks} warm asks)`);
  console.log('| interaction → | cold (process start) | warm median | warm p95 |');
  console.log('| --- | --- | --- | --- |');
  console.log(row('first visible edit', (r) => r.firstEdit));
  console.log(row('first edit with answer text', (r) => r.firstText));
  console.log(row('final message', (r) => r.final));

  // THREADS=true: one /claude ask opens the thread, then plain messages in it.
  await rig.start({ THREADS: 'true', SPARE_PROCESSES: '0' });
  discord.injectCommand({ user, name: 'claude', subcommand: 'ask', options: { prompt: 'open a thread' } });
  const thread = await discord.waitFor(() => discord.threads()[0], 30_000, 'thread');
  const answered = (text: string) => discord.channelMessages(thread.id).find((m) => m.content.startsWith(`echo: ${text}`) && m.components.length > 0);
  await discord.waitFor(() => answered('open a thread'), 60_000, 'first thread answer');
  const inThread: Array<{ firstText: number; final: number }> = [];
  for (let n = 0; n < asks; n++) {
    const text = `in thread ${n}`;
    const msg = discord.injectMessage({ user, channelId: thread.id, content: text });
    const t0 = Date.parse(msg.timestamp);
    const final = await discord.waitFor(() => answered(text), 60_000, 'thread answer');
    const patches = discord.calls.filter((c) => c.method === 'PATCH' && c.path === `/channels/${thread.id}/messages/${final.id}` && c.status === 200);
    inThread.push({ firstText: patches.find((c) => String(c.body?.content).startsWith('echo:'))!.at - t0, final: patches.at(-1)!.at - t0 });
  }
  console.log('');
  console.log(`plain message in a session's thread (THREADS=true), ms; ${asks} messages`);
  console.log('| message → | median | p95 |');
  console.log('| --- | --- | --- |');
  console.log(`| first edit with answer text | ${median(inThread.map((r) => r.firstText))} | ${p95(inThread.map((r) => r.firstText))} |`);
  console.log(`| final message | ${median(inThread.map((r) => r.final))} | ${p95(inThread.map((r) => r.final))} |`);
  const limited = [...discord.limiter.limited.entries()].map(([k, n]) => `${k}: ${n}`).join(', ') || 'none';
  console.log(`429 answers: ${limited}`);
} finally {
  await rig.close();
}
