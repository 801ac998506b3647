import { describe, expect, it } from 'vitest';
import { projectSlug, transcriptPath } from '../../src/claude/slug.js';
import { makeBridgeSessionId, makeComponentId, parseClaudeSessionId, parseComponentId, parseSnowflake } from '../../src/core/ids.js';
import { LineSplitter } from '../../src/backends/line-splitter.js';

describe('ids', () => {
  it('round-trips component custom ids and rejects foreign or malformed ones', () => {
    const id = makeBridgeSessionId();
    for (const action of ['stop', 'continue', 'regenerate', 'branch', 'export'] as const) {
      const custom = makeComponentId(action, id);
      expect(custom.length).toBeLessThanOrEqual(100);
      expect(parseComponentId(custom)).toEqual({ action, sessionId: id });
    }
    expect(parseComponentId(makeComponentId('clean', 'abcdef012345'))).toEqual({ action: 'clean', token: 'abcdef012345' });
    expect(parseComponentId(makeComponentId('resume'))).toEqual({ action: 'resume' });
    for (const bad of ['other:stop:abc', `cdb:launch:${id}`, 'cdb:stop:../../etc', `cdb:stop:${id}:x`, 'cdb:stop', 'cdb:resume:x', 'cdb:clean:zz', '']) {
      expect(parseComponentId(bad)).toBeNull();
    }
  });
  it('a Stop names its turn (a late tap must not stop the next one); a Stop from before that still parses', () => {
    const id = makeBridgeSessionId();
    const turn = '0b6c3b0e-8d1f-4e5a-9c2d-1f2e3d4c5b6a';
    const custom = makeComponentId('stop', id, turn);
    expect(custom.length).toBeLessThanOrEqual(100);
    expect(parseComponentId(custom)).toEqual({ action: 'stop', sessionId: id, turnId: turn });
    expect(parseComponentId(`cdb:stop:${id}`)).toEqual({ action: 'stop', sessionId: id });
    expect(parseComponentId(`cdb:stop:${id}:not-a-turn`)).toBeNull();
  });

  it('parses UUIDs and snowflakes strictly', () => {
    expect(() => parseClaudeSessionId('../../etc/passwd')).toThrow(/not a valid Claude session id/);
    expect(parseClaudeSessionId('11111111-2222-4333-8444-55555555555A')).toBe('11111111-2222-4333-8444-55555555555a');
    expect(() => parseSnowflake('12')).toThrow();
    expect(parseSnowflake('123456789012345678')).toBe('123456789012345678');
  });
});

describe('transcript location', () => {
  it('replaces every non-alphanumeric character of the real cwd', () => {
    expect(projectSlug('/tmp/cc/wd')).toBe('-tmp-cc-wd'); // as Claude Code 2.1.330 named it
    expect(transcriptPath('/c', '/home/a.b/x y', parseClaudeSessionId('11111111-2222-4333-8444-555555555555')))
      .toBe('/c/projects/-home-a-b-x-y/11111111-2222-4333-8444-555555555555.jsonl');
  });
  it('shortens slugs over 200 chars with a base36 hash suffix', () => {
    const long = `/${'d'.repeat(250)}`;
    const slug = projectSlug(long);
    expect(slug.startsWith(`-${'d'.repeat(199)}-`)).toBe(true);
    expect(slug).toMatch(/^-d{199}-[0-9a-z]+$/);
    expect(projectSlug(`${long}x`)).not.toBe(slug);
  });
  it('matches the directory Claude Code 2.1.330 created for a 214-char cwd', () => {
    const cwd = `/tmp/${'longdir'.repeat(30)}`;
    expect(projectSlug(cwd)).toBe(`-tmp-${'longdir'.repeat(27)}longdi-c0c93`);
  });
});

describe('LineSplitter', () => {
  it('keeps a UTF-8 character split across chunks whole and tracks byte offsets', () => {
    const s = new LineSplitter(10);
    const bytes = Buffer.from('ä✓\nnext\r\n');
    expect(s.push(bytes.subarray(0, 2))).toEqual([]);
    const lines = s.push(bytes.subarray(2));
    expect(lines).toEqual([{ text: 'ä✓', offset: 10 + 6 }, { text: 'next', offset: 10 + bytes.length }]);
  });
});
