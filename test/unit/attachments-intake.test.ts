/**
 * Taking attachments, against a real local HTTP server standing in for Discord's CDN (it serves
 * each attachment at its `url`, as the Discord API docs' attachment object says): the cap holds
 * while streaming even when `Content-Length` is missing or lies, images beyond four are refused,
 * and every refusal carries its reason.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadCapped, TooLargeError } from '../../src/discord/attachments/download.js';
import { composePrompt, takeAttachments } from '../../src/discord/attachments/intake.js';

const PNG = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.from('rest of a png')]);
const served = new Map<string, { body: Buffer; length?: string }>();
let server: http.Server;
let base = '';
let requests: string[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    const f = served.get(req.url ?? '');
    if (!f) return void res.writeHead(404).end();
    if (req.url === '/redirect') return void res.writeHead(302, { location: '/a.png' }).end();
    res.writeHead(200, f.length ? { 'content-length': f.length } : {});
    // Streamed in pieces, with no Content-Length unless given: the reader must count.
    const chunks = Math.ceil(f.body.length / 65536);
    for (let i = 0; i < chunks; i++) res.write(f.body.subarray(i * 65536, (i + 1) * 65536));
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

const att = (name: string, body: Buffer, contentType: string | null = null, size = body.length) => {
  served.set(`/${name}`, { body });
  return { name, size, url: `${base}/${name}`, contentType };
};

describe('downloadCapped', () => {
  it('cuts a body that grows past the cap while streaming (no Content-Length), and refuses a declared one at once', async () => {
    served.set('/big', { body: Buffer.alloc(300_000) });
    await expect(downloadCapped(`${base}/big`, 200_000)).rejects.toBeInstanceOf(TooLargeError);
    served.set('/declared', { body: Buffer.alloc(10), length: '10' });
    await expect(downloadCapped(`${base}/declared`, 5)).rejects.toBeInstanceOf(TooLargeError);
    expect((await downloadCapped(`${base}/declared`, 10)).length).toBe(10);
  });

  it('does not follow a redirect away from the URL Discord gave', async () => {
    served.set('/redirect', { body: Buffer.alloc(0) });
    await expect(downloadCapped(`${base}/redirect`, 100)).rejects.toThrow();
  });
});

describe('takeAttachments', () => {
  it('four images at most; text inline; a lying size cannot sneak a file past the cap; the rest saved', async () => {
    const cwd = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'cdb-intake-')));
    const pics = [1, 2, 3, 4, 5].map((n) => att(`p${n}.png`, PNG, 'image/png'));
    const liar = att('liar.png', Buffer.concat([PNG, Buffer.alloc(6 * 1024 * 1024)]), 'image/png', 10); // says 10 B
    requests = [];
    const intake = await takeAttachments([
      ...pics, liar, att('n.md', Buffer.from('# notes\n')), att('data.csv', Buffer.from('a,b\n1,2\n'), 'application/octet-stream'),
    ], { cwd, messageId: '42' });
    expect(intake.images).toHaveLength(4);
    expect(intake.images[0]).toEqual({ type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG.toString('base64') } });
    expect(intake.refused).toEqual([
      { name: 'p5.png', reason: 'at most 4 images go with one message' },
      { name: 'liar.png', reason: 'it is larger than 5 MiB' },
    ]);
    expect(intake.texts).toEqual(['# notes\n']);
    expect(intake.saved).toEqual([{ name: 'data.csv', path: path.join(cwd, '.claude-bridge/uploads/42/data.csv'), size: 8 }]);
    expect(composePrompt('hi', intake)).toBe(`hi\n\n# notes\n\n\nFiles the user attached, saved on disk:\n- ${path.join(cwd, '.claude-bridge/uploads/42/data.csv')} (8 B)`);
  });
});
