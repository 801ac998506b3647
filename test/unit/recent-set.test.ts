import { describe, expect, it } from 'vitest';
import { RecentSet } from '../../src/core/recent-set.js';

describe('RecentSet', () => {
  it('keeps the newest entries up to its capacity and forgets the oldest first', () => {
    const s = new RecentSet(3);
    for (const v of ['a', 'b', 'c', 'd']) s.add(v);
    expect(s.size).toBe(3);
    expect(['a', 'b', 'c', 'd'].map((v) => s.has(v))).toEqual([false, true, true, true]);
  });

  it('counts an entry added again as new, so it outlives those added after it the first time', () => {
    const s = new RecentSet(2);
    s.add('a').add('b').add('a').add('c');
    expect([s.has('a'), s.has('b'), s.has('c')]).toEqual([true, false, true]);
  });

  it('refuses a capacity that keeps nothing', () => {
    expect(() => new RecentSet(0)).toThrow(RangeError);
  });
});
