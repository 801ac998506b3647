/**
 * Resume failures recover without losing the user's message (real claude, tmux, SQLite): a
 * transcript that holds no conversation makes `--resume` fail ("No conversation found…"), and a
 * transcript deleted behind the bot's back cannot be resumed at all.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transcriptPath } from '../../src/claude/slug.js';
import { parseSnowflake } from '../../src/core/ids.js';
import type { SessionManager } from '../../src/sessions/manager.js';
import type { ClaudeTestEnv } from '../helpers/claude-env.js';
import { TmuxRig } from '../helpers/tmux-rig.js';

let rig: TmuxRig;
let cenv: ClaudeTestEnv;
let manager: SessionManager;
const channel = parseSnowflake('200000000000000001');

beforeAll(async () => {
  rig = await TmuxRig.start('rec');
  cenv = rig.cenv;
  ({ manager } = rig.manager());
});

afterAll(async () => rig?.close());

const transcriptOf = (claudeId: string) => transcriptPath(cenv.configDir, cenv.workDir, claudeId as never);

describe('resume failure recovery', () => {
  it('--resume finds no conversation: a fresh Claude session answers the same message, and the user is told', async () => {
    const session = manager.createSession(parseSnowflake('100000000000000001'), channel);
    const oldId = session.record.claudeSessionId;
    fs.mkdirSync(path.dirname(transcriptOf(oldId)), { recursive: true });
    fs.writeFileSync(transcriptOf(oldId), ''); // exists, holds nothing: the CLI says "No conversation found"
    const turn = session.sendMessage('are you there?');
    const result = await turn.done;
    expect(result).toMatchObject({ outcome: 'success', text: 'echo: are you there? (turn 1)' });
    expect(turn.notices).toEqual(['Claude Code could not find the previous conversation, so this starts a fresh one.']);
    expect(session.record.claudeSessionId).not.toBe(oldId);
    expect(fs.existsSync(transcriptOf(session.record.claudeSessionId))).toBe(true);
    expect((await session.sendMessage('and now?').done).text).toBe('echo: and now? (turn 2)');
  });

  it('a transcript deleted while suspended: the next message starts fresh, is answered, and the user is told', async () => {
    const session = manager.createSession(parseSnowflake('100000000000000002'), channel);
    await session.sendMessage('first').done;
    await session.suspend();
    fs.rmSync(transcriptOf(session.record.claudeSessionId));
    const turn = session.sendMessage('second');
    expect((await turn.done).text).toBe('echo: second (turn 1)');
    expect(turn.notices).toEqual(['The transcript of the previous conversation is missing, so this starts a fresh Claude session.']);
  });
});

describe('AUTO_RESUME', () => {
  it("a user's first ask in a channel resumes the directory's newest session nobody holds", async () => {
    const { manager: auto } = rig.manager({ maxSessions: 2, maxSessionsPerUser: 2, maxQueue: 2, autoResume: true }, 'run-auto');
    // A conversation as a terminal left it, newer than anything else in the directory.
    const id = '55555555-2222-4333-8444-555555555555';
    const entry = (o: object) => JSON.stringify({ sessionId: id, cwd: cenv.workDir, isSidechain: false, userType: 'external', ...o });
    fs.writeFileSync(transcriptOf(id), [
      entry({ type: 'user', uuid: 'a0000000-0000-4000-8000-000000000001', parentUuid: null, timestamp: new Date().toISOString(), message: { role: 'user', content: 'from the terminal' } }),
      entry({ type: 'assistant', uuid: 'a0000000-0000-4000-8000-000000000002', parentUuid: 'a0000000-0000-4000-8000-000000000001', timestamp: new Date().toISOString(), message: { id: 'm1', type: 'message', role: 'assistant', model: 'x', content: [{ type: 'text', text: 'ok' }], stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 1, output_tokens: 1 } } }),
    ].join('\n') + '\n');
    try {
      const session = await auto.getOrCreateSession(parseSnowflake('100000000000000009'), parseSnowflake('200000000000000009'));
      expect(session.record.claudeSessionId).toBe(id);
      expect((await session.sendMessage('picked up').done).text).toBe('echo: picked up (turn 2)');
      const other = await auto.getOrCreateSession(parseSnowflake('100000000000000010'), parseSnowflake('200000000000000009'));
      expect(other.record.claudeSessionId).not.toBe(id); // held by the first user now
    } finally {
      await auto.shutdown({ keepProcesses: false });
    }
  });
});
