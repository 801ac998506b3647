/**
 * Issue 12, stage 2: `claude-bridge hub` and two `claude-bridge runner`s as separate processes —
 * two "machines", each with its own Claude config home, work directory, store and tmux socket —
 * talking only through a real nats-server; the hub talks to the fake Discord with real discord.js;
 * each runner runs the real `claude` CLI against the Anthropic stub. Covered: placement by
 * `/claude project` (a channel on one runner, a thread of it on the other), answers streamed and
 * shown once, thread messages, `/claude runners` and `/claude sessions` across runners, Stop and
 * permission buttons over the protocol, `kill -9` of a runner and of the hub mid-answer, a message
 * to an offline runner (shown as queued, answered when it is back), a 10 s NATS outage mid-answer,
 * a runner that claims another runner's session, and the hub's audit log. The tests run in order and
 * build on each other.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { encode, PROTOCOL_VERSION } from '../../src/remote/protocol.js';
import { eventSubject, hubPermissions, runnerPermissions } from '../../src/remote/subjects.js';
import { startAnthropicStub, type AnthropicStub } from '../fakes/anthropic-stub.js';
import { FakeDiscord, type FakeUser, type Interaction, type StoredMessage } from '../fakes/discord/server.js';
import { snowflake } from '../fakes/discord/snowflake.js';
import { threadPayload } from '../fakes/discord/payloads.js';
import { startBotProcess, type BotProcess } from '../helpers/bot-process.js';
import { startHubProcess } from '../helpers/hub-process.js';
import { makeClaudeTestEnv, type ClaudeTestEnv } from '../helpers/claude-env.js';
import { buttonIds, hasButton } from '../helpers/harness.js';
import { natsServerBinary, NO_NATS_SERVER, startNatsServer, type NatsServer } from '../helpers/nats-server.js';

const hasNats = natsServerBinary() !== null;
if (!hasNats) console.warn(`skipping the hub suite: ${NO_NATS_SERVER}`);

interface Machine { name: string; cenv: ClaudeTestEnv; proc: BotProcess | null; socket: string; db: string }

describe.skipIf(!hasNats)('claude-bridge hub + two runners over NATS (real nats-server, claude, tmux, discord.js)', () => {
  let nats: NatsServer;
  let stub: AnthropicStub;
  let discord: FakeDiscord;
  let alice: FakeUser;
  let mallory: FakeUser;
  let hub: BotProcess | null = null;
  let hubDir: string;
  let thread: string;
  const machines: Record<'a' | 'b', Machine> = {} as never;

  const waitFor = <T>(probe: () => T | undefined | null | false, what: string, ms = 60_000) =>
    discord.waitFor(probe, ms, what).catch((err: Error) => {
      throw new Error(`${err.message}\nhub output:\n${hub?.output().slice(-3000)}\nrunner a:\n${machines.a.proc?.output().slice(-1500)}\nrunner b:\n${machines.b.proc?.output().slice(-1500)}`);
    }) as Promise<T>;
  const startRunner = async (m: Machine) => {
    m.proc = startBotProcess({
      ...m.cenv.env, NATS_URL: nats.url, NATS_USER: `runner-${m.name}`, NATS_PASSWORD: `pw-${m.name}`,
      CLAUDE_WORKDIR: m.cenv.workDir, DATABASE_PATH: m.db, RUN_DIR: path.join(m.cenv.workDir, '..', 'run'),
      TMUX_SOCKET: m.socket, SESSION_BACKEND: 'tmux', SPARE_PROCESSES: '0', LOG_LEVEL: 'debug',
      CLAUDE_CODE_ENABLE_TODO_TOOLS: 'true', // the task tools, for the checklist test
    }, ['runner', '--name', m.name]);
    const proc = m.proc;
    await waitFor(() => {
      if (proc.proc.exitCode !== null) throw new Error(`runner ${m.name} exited:\n${proc.output()}`);
      return proc.output().includes('runner ready');
    }, `runner ${m.name} ready`);
  };
  const startHub = async () => {
    hub = await startHubProcess({ discord, natsUrl: nats.url, dir: hubDir, allowed: [alice, mallory], admin: alice, waitFor });
  };
  const command = (user: FakeUser, subcommand: string, options: Record<string, string> = {}, channelId?: string) =>
    discord.injectCommand({ user, name: 'claude', subcommand, options, ...(channelId ? { channelId } : {}) });
  /** Where an ask is answered: its reply and, when the hub opened a thread on that reply (`THREADS`), the thread (its id is the reply's). */
  const answers = (i: Interaction) => {
    const first = discord.responsesTo(i)[0];
    return [...discord.responsesTo(i), ...(first && discord.channels.has(first.id) ? discord.channelMessages(first.id) : [])];
  };
  const reply = (i: Interaction, match: (m: StoredMessage) => boolean, what: string) => waitFor(() => answers(i).find(match), what);
  const final = (i: Interaction, text: string) => reply(i, (m) => m.content.includes(text) && !hasButton(m, 'stop'), `final answer "${text}"`);
  const sessionsOf = (m: Machine) => {
    const db = new Database(m.db, { readonly: true });
    try { return db.prepare('SELECT id, channel_id, turn_count FROM sessions').all() as Array<{ id: string; channel_id: string; turn_count: number }>; } finally { db.close(); }
  };
  /**
   * Waits for an ask's answer (its streaming message first), then checks it is shown exactly once:
   * the message that streamed is the one that holds the whole answer, no other message holds it,
   * and no message anywhere still carries a Stop button (a second, abandoned view would).
   */
  const finishedOnce = async (i: Interaction, text: string, streaming: StoredMessage) => {
    const answer = await waitFor(() => answers(i).find((m) => m.content.includes(text) && !hasButton(m, 'stop')), `final answer "${text}"`, 180_000);
    expect(answer.id).toBe(streaming.id);
    expect(answer.content).not.toContain('stopped');
    expect(shown(text)).toHaveLength(1);
    expect([...discord.messages.values()].filter((m) => hasButton(m, 'stop'))).toEqual([]);
  };
  /** Messages anywhere that contain `text` (an answer shown twice would be two). */
  const shown = (text: string) => [...discord.messages.values()].filter((m) => m.content.includes(text));

  beforeAll(async () => {
    nats = await startNatsServer([
      { user: 'hub', password: 'pw-hub', permissions: hubPermissions() }, // the hub with only what it needs
      { user: 'runner-a', password: 'pw-a', permissions: runnerPermissions('a') },
      { user: 'runner-b', password: 'pw-b', permissions: runnerPermissions('b') },
    ]);
    stub = await startAnthropicStub({ slowDelayMs: 100, slowPieces: 40 });
    discord = await FakeDiscord.start({ token: 'fake-hub-token' });
    alice = discord.addUser('alice');
    mallory = discord.addUser('mallory');
    for (const name of ['a', 'b'] as const) {
      const cenv = makeClaudeTestEnv(stub.url);
      machines[name] = { name, cenv, proc: null, socket: `cdb-hub${process.pid}-${name}`, db: path.join(cenv.workDir, '..', 'runner.db') };
    }
    hubDir = fs.mkdtempSync(path.join(path.dirname(machines.a.cenv.workDir), 'hub-'));
    // A thread of the text channel, as a user would have opened it.
    thread = snowflake();
    discord.channels.set(thread, threadPayload({ id: thread, guildId: discord.guildId, parentId: discord.channelId, ownerId: alice.id, name: 'on a', autoArchive: 4320 }));
    await Promise.all([startRunner(machines.a), startRunner(machines.b)]);
    await startHub();
  });
  afterAll(async () => {
    await hub?.stop();
    for (const m of Object.values(machines)) {
      await m.proc?.stop();
      try { execFileSync('tmux', ['-L', m.socket, 'kill-server'], { stdio: 'ignore' }); } catch { /* gone */ }
    }
    await discord?.close();
    await stub?.close();
    await nats?.stop();
  });

  it('/claude runners lists both machines online, with their sessions and version', async () => {
    // The runners started before the hub's first run created the presence bucket: they show up within a second or so.
    let r: StoredMessage | undefined;
    for (let i = 0; i < 30 && !(r?.content.includes('**a**') && r.content.includes('**b**')); i++) {
      if (i > 0) await new Promise((done) => setTimeout(done, 500));
      const asked = command(alice, 'runners');
      r = await waitFor(() => discord.responsesTo(asked)[0], 'runners reply');
    }
    expect(r!.flags & 64).toBe(64);
    expect(r!.content).toMatch(/🟢 \*\*a\*\* — 0\/10 sessions · v\d/);
    expect(r!.content).toMatch(/🟢 \*\*b\*\* — 0\/10 sessions · v\d/);
  });

  it('/claude project binds the channel to b and its thread to a; each answer comes from its own machine, once', async () => {
    const refused = await reply(command(mallory, 'project', { runner: 'b', path: '.' }), () => true, 'refusal');
    expect(refused.content).toContain('Only the bot\'s admins');
    const bound = await reply(command(alice, 'project', { runner: 'b', path: '.' }), (m) => m.content.startsWith('📁'), 'binding');
    expect(bound.content).toContain('now run on `b`');
    await reply(command(alice, 'project', { runner: 'a', path: '.' }, thread), (m) => m.content.startsWith('📁'), 'thread binding');
    const outside = await reply(command(alice, 'project', { runner: 'a', path: '/etc' }, thread), (m) => m.content.startsWith('⚠️'), 'refused directory');
    expect(outside.content).toContain('outside the workspace');

    const inChannel = command(alice, 'ask', { prompt: 'hello hub' });
    const inThread = command(alice, 'ask', { prompt: 'hello thread' }, thread);
    const inChannelAnswer = await final(inChannel, 'echo: hello hub (turn 1)');
    // Asked in the channel: the reply shows the prompt and a thread on it holds the session (THREADS).
    const opened = discord.responsesTo(inChannel)[0]!;
    expect(opened.content).toContain('asked Claude Code:\n>>> hello hub');
    expect(inChannelAnswer.channel_id).toBe(opened.id);
    expect(discord.channels.get(opened.id)).toMatchObject({ type: 11, parent_id: discord.channelId });
    // Asked in a thread: answered in place.
    expect((await final(inThread, 'echo: hello thread (turn 1)')).channel_id).toBe(thread);
    expect(sessionsOf(machines.b)).toMatchObject([{ channel_id: opened.id, turn_count: 1 }]);
    expect(sessionsOf(machines.a)).toMatchObject([{ channel_id: thread, turn_count: 1 }]);
    // Each machine's own Claude Code files hold its conversation, and only its own.
    const transcripts = (m: Machine) => execFileSync('grep', ['-rl', 'hello', path.join(m.cenv.configDir, 'projects')], { encoding: 'utf8' });
    expect(transcripts(machines.b)).not.toBe('');
    expect(() => execFileSync('grep', ['-rl', 'hello thread', path.join(machines.b.cenv.configDir, 'projects')])).toThrow();
    expect(shown('echo: hello hub')).toHaveLength(1);
    expect(shown('echo: hello thread')).toHaveLength(1);
  });

  it('a plain message in the thread goes on with the same session on a, answered in a reply', async () => {
    const msg = discord.injectMessage({ user: alice, channelId: thread, content: 'and more' });
    const answer = await waitFor(() => discord.channelMessages(thread).find((m) => m.content.includes('echo: and more (turn 2)') && !hasButton(m, 'stop')), 'thread answer');
    expect(answer.message_reference?.message_id).toBe(msg.id);
    expect(sessionsOf(machines.a)).toMatchObject([{ turn_count: 2 }]);
  });

  it('/claude export brings the thread\'s conversation from its runner, by request/reply', async () => {
    const md = await reply(command(alice, 'export', {}, thread), (m) => m.attachments.length > 0, 'markdown export');
    const mdFile = md.attachments[0] as { text: string; filename: string };
    expect(mdFile.filename).toMatch(/^claude-[0-9a-f-]{36}\.md$/);
    expect(mdFile.text).toContain('hello thread');
    expect(mdFile.text).toContain('and more');
    const raw = await reply(command(alice, 'export', { format: 'jsonl' }, thread), (m) => m.attachments.length > 0, 'jsonl export');
    const id = (raw.attachments[0] as { filename: string }).filename.replace(/^claude-|\.jsonl$/g, '');
    const transcript = execFileSync('find', [path.join(machines.a.cenv.configDir, 'projects'), '-name', `${id}.jsonl`], { encoding: 'utf8' }).trim();
    expect((raw.attachments[0] as { text: string }).text).toBe(fs.readFileSync(transcript, 'utf8'));
    const refused = await reply(command(mallory, 'export', {}, thread), () => true, 'refusal');
    expect(refused.content).toBe('Only the person who started this session can do that.');
  });

  it('/claude sessions lists each runner\'s sessions', async () => {
    const r = await reply(command(alice, 'sessions'), (m) => m.content.includes('**a**') && m.content.includes('**b**'), 'listing');
    expect(r.content).toContain('hello hub');
    expect(r.content).toContain('hello thread');
  }, 240_000);

  it('Stop interrupts a slow answer over the protocol; only the owner may press it', async () => {
    const slow = command(alice, 'ask', { prompt: 'SLOW:600 stop me' }); // a minute of answer: Stop lands mid-answer on a loaded machine
    const streaming = await reply(slow, (m) => /\d+ \d+ /.test(m.content) && hasButton(m, 'stop'), 'streaming text');
    const stopId = buttonIds(streaming).find((id) => id.startsWith('cdb:stop:'))!;
    const refusal = discord.injectButton({ user: mallory, message: streaming, customId: stopId });
    expect((await reply(refusal, () => true, 'refusal')).content).toBe('Only the person who started this session can do that.');
    discord.injectButton({ user: alice, message: streaming, customId: stopId });
    const stopped = await reply(slow, (m) => m.content.includes('stopped') && !hasButton(m, 'stop'), 'stopped answer');
    expect(stopped.content).not.toContain('echo: SLOW:600 stop me');
  });

  it('a permission prompt is posted once in the session\'s channel and answered with a tap', async () => {
    const file = path.join(machines.b.cenv.workDir, 'allowed.txt');
    const seen = discord.messages.size;
    const since = () => [...discord.messages.values()].slice(seen);
    const ask = command(alice, 'ask', { prompt: `TOOL:touch ${file} && echo made` });
    const prompt = await waitFor(() => since().find((m) => m.content.includes('Claude wants to use **Bash**') && hasButton(m, 'allow')), 'permission prompt');
    expect(prompt.channel_id).toBe(discord.responsesTo(ask)[0]!.id); // in the session's thread
    expect(prompt.content).toContain(`<@${alice.id}>`);
    discord.injectButton({ user: alice, message: prompt, customId: buttonIds(prompt).find((id) => id.startsWith('cdb:allow:'))! });
    await final(ask, 'ran: made');
    expect(fs.existsSync(file)).toBe(true);
    expect(discord.messages.get(prompt.id)!.content).toMatch(/^✅ Allowed: \*\*Bash\*\*, by <@/);
    // One prompt for the one request (the same message, now settled).
    expect(since().filter((m) => /Claude wants to use \*\*Bash\*\*|^✅ Allowed: \*\*Bash\*\*/.test(m.content))).toHaveLength(1);
  });

  it('kill -9 of a runner mid-answer: it reattaches to claude under tmux and the answer is shown exactly once', async () => {
    const slow = command(alice, 'ask', { prompt: 'SLOW:150 runner crash' }); // 15 s of answer: the restart comes mid-answer
    const streaming = await reply(slow, (m) => /\d+ \d+ /.test(m.content) && hasButton(m, 'stop'), 'streaming text');
    await machines.b.proc!.crash();
    await startRunner(machines.b);
    await reply(slow, (m) => m.id === streaming.id && /\d+ \d+ /.test(m.content) && machines.b.proc!.output().includes('runner ready'), 'streaming after the restart');
    await finishedOnce(slow, 'echo: SLOW:150 runner crash', streaming);
  }, 240_000);

  it('kill -9 of the hub mid-answer: the restarted hub finishes the same message, shown exactly once', async () => {
    const slow = command(alice, 'ask', { prompt: 'SLOW:150 hub crash' });
    const streaming = await reply(slow, (m) => /\d+ \d+ /.test(m.content) && hasButton(m, 'stop'), 'streaming text');
    await hub!.crash();
    await startHub();
    // JetStream delivers the dead hub's unacknowledged events again after their ack wait (30 s).
    await finishedOnce(slow, 'echo: SLOW:150 hub crash', streaming);
  }, 240_000);

  it('a thread message sent while the hub was down is taken when it is back, answered once', async () => {
    expect(await hub!.stop()).toBe(0);
    const msg = discord.injectMessage({ user: alice, channelId: thread, content: 'sent while the hub slept' });
    await startHub();
    const answer = await waitFor(() => discord.channelMessages(thread).find((m) => m.content.includes('echo: sent while the hub slept') && !hasButton(m, 'stop')), 'the caught-up answer');
    expect(answer.message_reference?.message_id).toBe(msg.id);
    expect(shown('echo: sent while the hub slept')).toHaveLength(1);
  }, 240_000);

  it('a message to an offline runner is shown as queued and answered once it is back; so is what follows in its thread', async () => {
    expect(await machines.b.proc!.stop()).toBe(0);
    const ask = command(alice, 'ask', { prompt: 'while you were away' });
    const queued = await reply(ask, (m) => m.content.includes('Runner `b` is offline; your message is queued'), 'queued notice');
    const opened = discord.responsesTo(ask)[0]!;
    expect(discord.channels.get(opened.id)).toMatchObject({ type: 11 }); // its thread is open, its session not yet reported
    expect(queued.id).not.toBe(opened.id);
    const taken = hub!.output().split('thread message sent to a runner').length;
    const more = discord.injectMessage({ user: alice, channelId: opened.id, content: 'and this too' });
    await waitFor(() => hub!.output().split('thread message sent to a runner').length > taken, 'the thread message taken while b is away');
    await startRunner(machines.b);
    await final(ask, 'echo: while you were away (turn 1)');
    const followUp = await waitFor(() => discord.channelMessages(opened.id).find((m) => m.content.includes('echo: and this too') && !hasButton(m, 'stop')), 'the thread message answered');
    expect(followUp.message_reference?.message_id).toBe(more.id);
    expect(shown('echo: while you were away')).toHaveLength(1);
    expect(shown('echo: and this too')).toHaveLength(1);
  }, 240_000);

  it('NATS stopped for 10 s mid-answer: the answer is shown whole, once', async () => {
    const slow = command(alice, 'ask', { prompt: 'SLOW:250 outage' }); // 25 s of answer: the outage comes mid-answer
    const streaming = await reply(slow, (m) => /\d+ \d+ /.test(m.content) && hasButton(m, 'stop'), 'streaming text');
    await nats.pause();
    await new Promise((r) => setTimeout(r, 10_000)); // the outage itself, not a wait for a result
    await nats.resume();
    await finishedOnce(slow, 'echo: SLOW:250 outage', streaming);
  }, 240_000);

  it('/claude model and /claude mode change the session on its runner, from the next turn', async () => {
    const model = await reply(command(alice, 'model', { name: 'haiku' }, thread), (m) => m.content.includes('Model'), 'model reply');
    expect(model.content).toBe('🧠 Model: **haiku**, from the next turn.');
    const mode = await reply(command(alice, 'mode', { to: 'acceptEdits' }, thread), (m) => m.content.includes('Permission mode'), 'mode reply');
    expect(mode.content).toBe('🛡️ Permission mode: **acceptEdits**, from the next turn.');
    const seen = stub.requests.length;
    discord.injectMessage({ user: alice, channelId: thread, content: 'which model now' });
    await waitFor(() => discord.channelMessages(thread).find((m) => m.content.includes('echo: which model now') && !hasButton(m, 'stop')), 'the answer after the change');
    const asked = stub.requests.slice(seen).filter((r) => JSON.stringify(r.body.messages ?? []).includes('which model now'));
    expect(asked.length).toBeGreaterThan(0);
    expect(asked.every((r) => /haiku/.test(r.body.model ?? ''))).toBe(true);
    const db = new Database(machines.a.db, { readonly: true });
    try {
      expect(db.prepare('SELECT model, permission_mode FROM sessions WHERE channel_id = ?').get(thread)).toEqual({ model: 'haiku', permission_mode: 'acceptEdits' });
    } finally {
      db.close();
    }
  }, 240_000);

  it('Claude\'s todo list shows as the turn\'s checklist, one message edited in place (todos events)', async () => {
    const steps = [
      ['TaskCreate', { subject: 'Write the tests', description: 'tests', activeForm: 'Writing the tests' }],
      ['TaskCreate', { subject: 'Fix the bug', description: 'fix' }],
      ['TaskUpdate', { taskId: '1', status: 'completed' }],
    ];
    const ask = command(alice, 'ask', { prompt: `STEPS:${JSON.stringify(steps)}` }, thread);
    await final(ask, 'steps done:');
    const lists = () => discord.channelMessages(thread).filter((m) => m.content.startsWith('📋 **Todo**'));
    await waitFor(() => lists().find((m) => m.content.includes('1/2 done')), 'the checklist in its last state');
    expect(lists()).toHaveLength(1);
    expect(lists()[0]!.content).toBe('📋 **Todo** · 1/2 done\n✅ Write the tests\n☐ Fix the bug');
  }, 240_000);

  it('on a runner\'s machine, claude-bridge sessions lists its sessions and suspends one through the running runner', async () => {
    const env = {
      ...machines.a.cenv.env, RUNNER_NAME: 'a', NATS_URL: nats.url, CLAUDE_WORKDIR: machines.a.cenv.workDir,
      DATABASE_PATH: machines.a.db, RUN_DIR: path.join(machines.a.cenv.workDir, '..', 'run'), TMUX_SOCKET: machines.a.socket,
    };
    const cli = (...args: string[]) => execFileSync(process.execPath, [path.resolve(import.meta.dirname, '../../bin/claude-bridge.js'), ...args], { env, encoding: 'utf8' });
    const id = sessionsOf(machines.a).find((r) => r.channel_id === thread)!.id;
    expect(cli('sessions', 'list')).toContain(id);
    // One writer: the running runner ends the process itself (its control socket), not the CLI behind its back.
    expect(cli('sessions', 'suspend', id).trim()).toBe(`${id}: process ended, session suspended (resumable)`);
    discord.injectMessage({ user: alice, channelId: thread, content: 'after the suspend' });
    await waitFor(() => discord.channelMessages(thread).find((m) => m.content.includes('echo: after the suspend') && !hasButton(m, 'stop')), 'the resumed answer');
  }, 240_000);

  it('a runner cannot speak for another runner\'s session: the hub drops such events', async () => {
    const aSession = sessionsOf(machines.a)[0]!.id;
    const nc = await connect({ servers: nats.url, user: 'runner-b', pass: 'pw-b', inboxPrefix: '_INBOX_b' });
    try {
      const forged = { type: 'turn', sessionId: aSession, turnId: 'forged-turn', seq: 99, prompt: 'x', replyRef: null, ownerId: alice.id, channelId: thread, followUpOf: null };
      await jetstream(nc).publish(eventSubject('b'), encode({ v: PROTOCOL_VERSION, id: 'forged:1', runner: 'b', at: Date.now(), body: forged } as never), { msgID: 'forged:1' });
      const impostor = { ...forged, turnId: 'forged-turn-2' };
      await jetstream(nc).publish(eventSubject('b'), encode({ v: PROTOCOL_VERSION, id: 'forged:2', runner: 'a', at: Date.now(), body: impostor } as never), { msgID: 'forged:2' });
    } finally {
      await nc.close();
    }
    await waitFor(() => hub!.output().includes('a turn of a session another runner holds was dropped') && hub!.output().includes('sent as runner a'), 'both forged events dropped');
    // A new session of b's in a's thread, where the hub never sent b anything: dropped too, and the thread stays a's.
    const nc2 = await connect({ servers: nats.url, user: 'runner-b', pass: 'pw-b', inboxPrefix: '_INBOX_b' });
    try {
      const squat = { type: 'turn', sessionId: 'abcdefabcdef', turnId: 'forged-turn-3', seq: 1, prompt: 'x', replyRef: null, ownerId: alice.id, channelId: thread, followUpOf: null };
      await jetstream(nc2).publish(eventSubject('b'), encode({ v: PROTOCOL_VERSION, id: 'forged:3', runner: 'b', at: Date.now(), body: squat } as never), { msgID: 'forged:3' });
    } finally {
      await nc2.close();
    }
    await waitFor(() => hub!.output().includes('a turn in a place the hub sent this runner nothing for was dropped'), 'the squatting session dropped');
    const turnsBefore = sessionsOf(machines.a)[0]!.turn_count;
    discord.injectMessage({ user: alice, channelId: thread, content: 'still yours, a?' });
    await waitFor(() => discord.channelMessages(thread).find((m) => m.content.includes('echo: still yours, a?') && !hasButton(m, 'stop')), 'a answers in its thread');
    expect(sessionsOf(machines.a)[0]!.turn_count).toBe(turnsBefore + 1);
    const db = new Database(path.join(hubDir, 'hub.db'), { readonly: true });
    try {
      expect(db.prepare("SELECT count(*) AS n FROM hub_turns WHERE turn_id LIKE 'forged%'").get()).toEqual({ n: 0 });
      // The hub's audit log has what was done and refused, by whom, on which runner.
      const audit = db.prepare('SELECT user_id, kind, action, runner, result, detail FROM hub_audit').all();
      expect(audit).toContainEqual({ user_id: mallory.id, kind: 'command', action: 'project', runner: null, result: 'refused', detail: 'NOT_ADMIN' });
      expect(audit).toContainEqual({ user_id: mallory.id, kind: 'button', action: 'stop', runner: 'b', result: 'refused', detail: 'NOT_SESSION_OWNER' });
      expect(audit).toContainEqual({ user_id: alice.id, kind: 'message', action: 'message', runner: 'a', result: 'ok', detail: null });
    } finally {
      db.close();
    }
  });
});
