import { describe, expect, it } from 'vitest';
import { splitMessage } from '../../src/discord/render/chunk.js';

const fenceLines = (s: string) => s.split('\n').filter((l) => /^\s*```/.test(l)).length;
const words = (s: string) => s.split('\n').filter((l) => !/^\s*```/.test(l)).join(' ').split(/\s+/).filter(Boolean);

describe('splitMessage', () => {
  it('leaves a short text alone', () => {
    expect(splitMessage('hello')).toEqual(['hello']);
  });

  it('splits at line breaks, every chunk within the limit, nothing lost', () => {
    const text = Array.from({ length: 300 }, (_, i) => `line ${i} ${'x'.repeat(i % 40)}`).join('\n');
    const chunks = splitMessage(text, 500);
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) expect(c.length).toBeLessThanOrEqual(500);
    expect(chunks.join('\n')).toBe(text);
  });

  it('closes a code fence at a chunk end and reopens it with its language', () => {
    const code = Array.from({ length: 80 }, (_, i) => `const v${i} = ${i};`).join('\n');
    const text = `Here:\n\`\`\`ts\n${code}\n\`\`\`\nDone.`;
    const chunks = splitMessage(text, 400);
    expect(chunks.length).toBeGreaterThan(2);
    for (const c of chunks) {
      expect(c.length).toBeLessThanOrEqual(400);
      expect(fenceLines(c) % 2).toBe(0); // every chunk renders its code block whole
    }
    expect(chunks[1]!.startsWith('```ts\n')).toBe(true);
    expect(words(chunks.join('\n'))).toEqual(words(text));
  });

  it('cuts a line longer than a message, preferring spaces, and keeps every word', () => {
    const long = Array.from({ length: 500 }, (_, i) => `w${i}`).join(' ');
    const chunks = splitMessage(long, 200);
    for (const c of chunks) expect(c.length).toBeLessThanOrEqual(200);
    expect(words(chunks.join(' '))).toEqual(words(long));
    const noSpaces = 'y'.repeat(1000);
    const hard = splitMessage(noSpaces, 300);
    expect(hard.join('')).toBe(noSpaces);
    for (const c of hard) expect(c.length).toBeLessThanOrEqual(300);
  });

  it('keeps fences balanced for random mixes of prose, code and long lines', () => {
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    for (let round = 0; round < 50; round++) {
      const parts: string[] = [];
      let inFence = false;
      for (let i = 0; i < 60; i++) {
        const r = rnd(10);
        if (r === 0) { parts.push(inFence ? '```' : '```py'); inFence = !inFence; }
        else if (r === 1) parts.push('z'.repeat(rnd(700)));
        else parts.push(`t${i} `.repeat(rnd(30)));
      }
      if (inFence) parts.push('```');
      const text = parts.join('\n');
      const limit = 100 + rnd(400);
      for (const c of splitMessage(text, limit)) {
        expect(c.length).toBeLessThanOrEqual(limit);
        expect(fenceLines(c) % 2).toBe(0);
      }
    }
  });
});
