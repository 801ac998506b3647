/**
 * Attachments in (issue 11 item 5), end to end with the real CLI against the stub and real
 * discord.js against the fake Discord (which serves attachments at their `url`, with Discord's
 * attachment object fields). An image reaches the Messages API as an image block and the stub's
 * answer names its type, size and hash; a binary file named `.txt`, a text file named `.png` and
 * an oversized image are refused with their reasons; another file is saved under the session's
 * directory and its path reaches Claude; an image accepted before a crash is still sent after it.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeUser, StoredMessage } from '../fakes/discord/server.js';
import { hasButton, Harness } from '../helpers/harness.js';

let h: Harness;
let alice: FakeUser;
const env = { THREADS: 'true', PERMISSION_MODE: 'bypassPermissions', IS_SANDBOX: '1' };

beforeAll(async () => {
  h = await Harness.create({ slowDelayMs: 150, slowPieces: 200 });
  alice = h.discord.addUser('alice');
  await h.startBot([alice], env);
});

afterAll(async () => {
  await h?.close();
});

/** A real 2×2 RGB PNG (signature, IHDR, IDAT, IEND with their CRCs). */
function png(): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4); crc.writeUInt32BE(zlib.crc32(Buffer.concat([Buffer.from(type), data])));
    return Buffer.concat([len, Buffer.from(type), data, crc]);
  };
  const ihdr = Buffer.from([0, 0, 0, 2, 0, 0, 0, 2, 8, 2, 0, 0, 0]);
  const raw = Buffer.from([0, 255, 0, 0, 0, 255, 0, 0, 0, 0, 255, 255, 255, 255]);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

const described = (data: Buffer, type = 'image/png') => `image ${type} ${data.length} B sha256:${createHash('sha256').update(data).digest('hex').slice(0, 12)}`;
const botMessages = (channelId: string) => h.discord.channelMessages(channelId).filter((m) => m.author.id === h.discord.bot.id);
const inThread = (channelId: string, match: (m: StoredMessage) => boolean, what: string) =>
  h.discord.waitFor(() => botMessages(channelId).find(match), 40_000, what).catch((err) => {
    throw new Error(`${err.message}\nthread: ${JSON.stringify(botMessages(channelId).map((m) => m.content))}\nbot output:\n${h.bot?.output().slice(-3000)}`);
  });
const final = (channelId: string, text: string) => inThread(channelId, (m) => m.content.includes(text) && hasButton(m, 'continue'), `final "${text}"`);
/** The image blocks of the newest user message of each request the stub got. */
const imageBlocksSent = () => h.stub.requests.flatMap((r) => {
  const last = (r.body.messages ?? []).findLast((m) => m.role === 'user');
  return Array.isArray(last?.content) ? (last.content as Array<{ type: string; source?: { media_type: string; data: string } }>).filter((b) => b.type === 'image') : [];
});

describe('attachments in', () => {
  let thread: string;
  const image = png();

  it('/claude ask file:<png> reaches the API as an image block, and the answer depends on it', async () => {
    const i = h.discord.injectCommand({ user: alice, name: 'claude', subcommand: 'ask', options: { prompt: 'what is in this picture', file: { attachment: { name: 'shot.png', content: image, contentType: 'image/png' } } } });
    await h.reply(i, (m) => m.content.includes('asked Claude Code') && m.content.includes('1 image'), 'thread starter');
    thread = await h.discord.waitFor(() => h.discord.threads().find((t) => h.discord.responsesTo(i).some((m) => m.id === t.id))?.id, 10_000, 'thread');
    // Claude Code ends the text block that follows an image with a newline (observed on 2.1.330).
    const answer = await final(thread, `(turn 1) · ${described(image)}`);
    expect(answer.content).toContain('echo: what is in this picture');
    expect(imageBlocksSent()).toContainEqual({ type: 'image', source: { type: 'base64', media_type: 'image/png', data: image.toString('base64') } });
  });

  it('a thread message: a binary .txt and a text file named .png are refused with reasons; another file is saved and its path given', async () => {
    const binary = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00, 0xff, 0xfe, 0x00]);
    const msg = h.discord.injectMessage({ user: alice, channelId: thread, content: 'look at these', attachments: [
      { name: 'notes.txt', content: binary, contentType: 'text/plain' },
      { name: 'fake.png', content: 'just text, no image', contentType: 'image/png' },
      { name: '../../evil data.bin', content: binary, contentType: 'application/octet-stream' },
    ] });
    const refusal = await inThread(thread, (m) => m.message_reference?.message_id === msg.id && m.content.includes('notes.txt'), 'refusal reply');
    expect(refusal.content).toContain('`notes.txt` was not sent to Claude: it is named as text but is not UTF-8 text');
    expect(refusal.content).toContain('`fake.png` was not sent to Claude: its content is not a PNG, JPEG, GIF or WebP image');
    const saved = path.join('.claude-bridge', 'uploads', msg.id, 'evil data.bin'); // the name sanitized: no directories
    await final(thread, `- ${path.join(h.cenv.workDir, saved)} (12 B)`);
    expect(fs.readFileSync(path.join(h.cenv.workDir, saved))).toEqual(binary);
    expect(fs.readdirSync(path.join(h.cenv.workDir, '.claude-bridge', 'uploads', msg.id))).toEqual(['evil data.bin']);
  }, 90_000);

  it('/claude ask with a binary .txt: the prompt goes on without it, and only the asker is told why', async () => {
    const i = h.discord.injectCommand({ user: alice, name: 'claude', subcommand: 'ask', channelId: thread, options: {
      prompt: 'summarize the attachment', file: { attachment: { name: 'log.txt', content: Buffer.from([0x00, 0xff, 0x10, 0x00]), contentType: 'text/plain' } },
    } });
    const told = await h.reply(i, (m) => m.content.includes('log.txt'), 'private refusal');
    expect(told.flags & 64).toBe(64);
    expect(told.content).toBe('📎 `log.txt` was not sent to Claude: it is named as text but is not UTF-8 text (binary content).');
    const answer = await h.reply(i, (m) => m.content.includes('echo: summarize the attachment (turn 3)') && hasButton(m, 'continue'), 'answer');
    expect(answer.flags & 64).toBe(0);
  });

  it('an image over 5 MiB with no prompt is refused privately, before anything is downloaded', async () => {
    const big = Buffer.concat([image, Buffer.alloc(5 * 1024 * 1024)]);
    const i = h.discord.injectCommand({ user: alice, name: 'claude', subcommand: 'ask', channelId: thread, options: { file: { attachment: { name: 'huge.png', content: big, contentType: 'image/png' } } } });
    const told = await h.reply(i, (m) => m.content.includes('huge.png'), 'refusal');
    expect(h.discord.calls.filter((c) => c.path.startsWith('/attachments/')).every((c) => !c.path.includes('huge'))).toBe(true);
    expect(told.flags & 64).toBe(64); // ephemeral
    expect(told.content).toBe('`huge.png` was not sent to Claude: it is 5 MiB; images are taken up to 5 MiB.'.replace('5 MiB;', `${(big.length / 1048576).toFixed(1)} MiB;`));
    expect(h.discord.calls.some((c) => c.path.startsWith('/attachments/') && c.path.endsWith('/huge.png'))).toBe(false);
  });

  it('an image accepted before a crash is still sent with its message after the restart', async () => {
    const gif = Buffer.concat([Buffer.from('GIF89a'), Buffer.from([1, 0, 1, 0, 0, 0, 0]), Buffer.from(';')]);
    const before = h.stub.requests.length;
    h.discord.injectMessage({ user: alice, channelId: thread, content: 'SLOW:30 and this one', attachments: [{ name: 'anim.gif', content: gif, contentType: 'image/gif' }] });
    await h.discord.waitFor(() => h.stub.requests.length > before, 60_000, 'the request with the gif');
    await h.bot!.crash();
    h.tmux('kill-server'); // the process goes too: the turn must be sent again, from the store
    await h.startBot([alice], env);
    // The transcript already held the message (the CLI records it before asking the API): the stub counts turn 5, not 4.
    const answer = await final(thread, `(turn 5) · ${described(gif, 'image/gif')}`);
    expect(answer.content).toContain('the prompt was sent again');
    expect(answer.content).toContain('and this one');
    expect(imageBlocksSent().filter((b) => b.source?.data === gif.toString('base64')).length).toBeGreaterThanOrEqual(2);
  }, 120_000);
});
