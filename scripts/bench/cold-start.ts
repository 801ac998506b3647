/**
 * Issue 13, item 1: the cold first turn with and without a spare process (SPARE_PROCESSES 0 vs 1,
 * in one run), and resume-on-typing: a suspended session's next answer when its owner's typing
 * event came ~1.5 s before the message, vs no typing event. Interaction (or message) → final answer,
 * THREADS=false for the first part and THREADS=true for the second.
 *
 *   npm run bench:cold       (or: npx tsx scripts/bench/cold-start.ts [runs=8])
 */
import { benchRig, machine, median, sleep } from './rig.js';
import { hasButton } from '../../test/helpers/harness.js';

const runs = Number(process.argv[2] ?? 8);
const rig = await benchRig('cold');
const { discord, user } = rig;

/** `/claude new prompt:` → its final answer (a new session each time: a cold first turn), ms. */
async function coldTurn(prompt: string): Promise<number> {
  const i = discord.injectCommand({ user, name: 'claude', subcommand: 'new', options: { prompt } });
  const final = () => discord.calls.find((c) => c.method === 'PATCH' && c.path.includes(i.token) && c.status === 200
    && String(c.body?.content).startsWith(`echo: ${prompt}`) && !JSON.stringify(c.body?.components ?? []).includes('cdb:stop:'));
  return (await discord.waitFor(final, 60_000, 'final')).at - i.createdAt;
}

try {
  const cold: Record<string, number[]> = {};
  for (const spares of ['0', '1']) {
    await rig.start({ THREADS: 'false', SPARE_PROCESSES: spares, MAX_SESSIONS: String(2 * runs + 4), MAX_SESSIONS_PER_USER: String(2 * runs + 4) });
    cold[spares] = [];
    const before = rig.sessionIds().length; // their processes outlived the restart
    for (let n = 0; n < runs; n++) {
      // With a spare: wait until it is there (one process more than sessions), and let it finish loading.
      if (spares === '1') await discord.waitFor(() => rig.tmuxSessions().length === before + n + 1, 30_000, 'spare');
      await sleep(2000);
      cold[spares]!.push(await coldTurn(`cold ${spares}.${n}`));
    }
  }
  console.log(`cold first turn, /claude new prompt: → final answer, ms (${machine()}; ${runs} each)`);
  console.log(`| SPARE_PROCESSES | median | all |`);
  console.log(`| --- | --- | --- |`);
  for (const [k, xs] of Object.entries(cold)) console.log(`| ${k} | ${median(xs)} | ${xs.join(', ')} |`);
  console.log(`ratio (0 / 1): ${(median(cold['0']!) / median(cold['1']!)).toFixed(1)}×`);

  // Resume-on-typing: one session in a thread, suspended before each message.
  await rig.start({ THREADS: 'true', SPARE_PROCESSES: '0' });
  discord.injectCommand({ user, name: 'claude', subcommand: 'ask', options: { prompt: 'open a thread' } });
  const thread = await discord.waitFor(() => discord.threads()[0], 30_000, 'thread');
  const answered = (text: string) => discord.channelMessages(thread.id).find((m) => m.content.startsWith(`echo: ${text}`) && hasButton(m, 'continue'));
  await discord.waitFor(() => answered('open a thread'), 60_000, 'first answer');
  const results: Record<'typing' | 'no typing', number[]> = { typing: [], 'no typing': [] };
  for (let n = 0; n < runs; n++) {
    for (const mode of ['no typing', 'typing'] as const) {
      await rig.cli('sessions', 'suspend', rig.sessionIds().at(-1)!);
      if (mode === 'typing') {
        discord.injectTyping({ user, channelId: thread.id });
        await sleep(1500); // the owner types for 1.5 s
      }
      const text = `${mode} ${n}`;
      const msg = discord.injectMessage({ user, channelId: thread.id, content: text });
      const final = await discord.waitFor(() => answered(text), 60_000, 'answer');
      const patches = discord.calls.filter((c) => c.method === 'PATCH' && c.path === `/channels/${thread.id}/messages/${final.id}` && c.status === 200);
      results[mode].push(patches.at(-1)!.at - Date.parse(msg.timestamp));
    }
  }
  console.log('');
  console.log(`suspended session in a thread, message → final answer, ms (${runs} each)`);
  console.log('| | median | all |');
  console.log('| --- | --- | --- |');
  for (const [k, xs] of Object.entries(results)) console.log(`| ${k} | ${median(xs)} | ${xs.join(', ')} |`);
} finally {
  await rig.close();
}
