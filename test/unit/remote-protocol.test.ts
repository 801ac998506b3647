/** Issue 12: the runner protocol's schemas and names, without a server. */
import { describe, expect, it } from 'vitest';
import { command, decode, encode, event, isDecodeError, PROTOCOL_VERSION } from '../../src/remote/protocol.js';
import { commandStream, commandSubject, eventSubject, parseRunnerName, runnerPermissions } from '../../src/remote/subjects.js';

const bytes = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
const ID = '7b0c8f0e-52a3-4a44-9d1c-2d1d3c6b8e11';

describe('runner protocol', () => {
  it('round-trips a command, filling defaults', () => {
    const cmd = command.parse({ v: PROTOCOL_VERSION, id: ID, at: 1, body: { type: 'send', ownerId: '100000000000000001', channelId: '200000000000000001', text: 'hi' } });
    expect(decode(command, encode(cmd))).toEqual({ ...cmd, body: { ...cmd.body, guildId: null, parentId: null, replyRef: null } });
  });

  it('says in one line what is wrong with a bad message', () => {
    const bad = decode(command, bytes({ v: 1, id: ID, at: 1, body: { type: 'send', ownerId: 'x', channelId: '200000000000000001', text: 'hi' } }));
    expect(isDecodeError(bad) && bad.error).toMatch(/^body\.ownerId: /);
    const unknown = decode(command, bytes({ v: 1, id: ID, at: 1, body: { type: 'rm -rf' } }));
    expect(isDecodeError(unknown)).toBe(true);
    expect(decode(command, new TextEncoder().encode('{'))).toEqual({ error: expect.stringMatching(/^not JSON/) });
    expect(isDecodeError(decode(command, bytes({ v: 2, id: ID, at: 1, body: { type: 'stop', sessionId: '0123456789ab' } })))).toBe(true); // a newer protocol is refused, not guessed at
    expect(isDecodeError(decode(event, bytes({ v: 1, id: 'x', runner: 'a', at: 1, body: { type: 'text', sessionId: '0123456789ab', turnId: 't', length: -1, delta: '' } })))).toBe(true);
  });
});

describe('runner names and permissions', () => {
  it('takes only names that are safe as a subject token and in a stream name', () => {
    expect(parseRunnerName('laptop-2')).toBe('laptop-2');
    for (const bad of ['', 'a.b', 'a*', '>', 'Laptop', 'a b', '-a', 'x'.repeat(33)]) expect(() => parseRunnerName(bad), bad).toThrow(/runner name/);
  });

  it("allows a runner its own subjects only, never a wildcard over runners", () => {
    const p = runnerPermissions('a');
    expect(p.publish.allow).toContain(eventSubject('a'));
    expect(p.publish.allow.some((s) => s.includes(commandSubject('a')))).toBe(false); // it cannot queue commands, even to itself
    for (const s of [...p.publish.allow, ...p.subscribe.allow]) {
      expect(s, s).not.toMatch(/cdb\.runner\.\*|cdb\.>|^>$|^\$JS\.API\.>$/);
      if (s.includes('CDB_CMD_')) expect(s, s).toContain(commandStream('a'));
    }
    expect(p.subscribe.allow).toEqual(['_INBOX_a.>', 'cdb.runner.a.req.>']);
    expect(p.allow_responses).toBe(true); // answers go only to the reply subject of a request it got
  });
});
