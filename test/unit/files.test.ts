/** The pure and file-system parts of attachments in and files out: sniffing, naming, confinement, the outbox, the MCP argv. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildClaudeArgs } from '../../src/claude/args.js';
import { bridgeMcp, mcpArgs } from '../../src/claude/mcp-config.js';
import { isUtf8Text, sniffImage } from '../../src/discord/attachments/kind.js';
import { Outbox, writeSendRequest } from '../../src/sessions/outbox.js';
import { resolveSessionFile, sanitizeFileName, saveUpload } from '../../src/sessions/session-files.js';

const tmp = () => fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'cdb-files-')));

describe('attachment kinds', () => {
  it('knows the four image types by their signatures, not by anything else', () => {
    expect(sniffImage(Buffer.from('89504e470d0a1a0a0000', 'hex'))).toBe('image/png');
    expect(sniffImage(Buffer.from('ffd8ffe000104a464946', 'hex'))).toBe('image/jpeg');
    expect(sniffImage(Buffer.from('GIF87a\x01\x00', 'latin1'))).toBe('image/gif');
    expect(sniffImage(Buffer.from('RIFF\x10\x00\x00\x00WEBPVP8 ', 'latin1'))).toBe('image/webp');
    expect(sniffImage(Buffer.from('RIFF\x10\x00\x00\x00WAVEfmt ', 'latin1'))).toBeNull();
    expect(sniffImage(Buffer.from('not an image at all'))).toBeNull();
    expect(sniffImage(Buffer.alloc(0))).toBeNull();
  });

  it('UTF-8 text: strict decoding, and no NUL bytes', () => {
    expect(isUtf8Text(Buffer.from('héllo ✓\n'))).toBe(true);
    expect(isUtf8Text(Buffer.from([0x68, 0x00, 0x69]))).toBe(false);
    expect(isUtf8Text(Buffer.from([0xc3, 0x28]))).toBe(false);
  });
});

describe('session files', () => {
  it('sanitizes names: one segment, no leading dots, safe characters, bounded length', () => {
    expect(sanitizeFileName('../../etc/passwd')).toBe('passwd');
    expect(sanitizeFileName('..\\..\\boot.ini')).toBe('boot.ini');
    expect(sanitizeFileName('.bashrc')).toBe('bashrc');
    expect(sanitizeFileName('a;b|c$(d).txt')).toBe('a_b_c_(d).txt');
    expect(sanitizeFileName('..')).toBe('file');
    expect(sanitizeFileName(`${'x'.repeat(300)}.tar.gz`)).toMatch(/^x+\.gz$/);
    expect(sanitizeFileName(`${'x'.repeat(300)}.tar.gz`).length).toBe(100);
  });

  it('saves uploads under .claude-bridge/uploads/<id>/, de-duplicating names, never through a symlink', async () => {
    const cwd = tmp();
    expect(await saveUpload(cwd, '123', 'a.bin', Buffer.from('1'), new Set())).toBe(path.join(cwd, '.claude-bridge/uploads/123/a.bin'));
    expect(fs.readFileSync(path.join(cwd, '.claude-bridge/.gitignore'), 'utf8')).toMatch(/^\*$/m); // uploads stay out of git status
    const names = new Set<string>();
    await saveUpload(cwd, '124', 'a.bin', Buffer.from('1'), names);
    expect(await saveUpload(cwd, '124', 'a.bin', Buffer.from('2'), names)).toBe(path.join(cwd, '.claude-bridge/uploads/124/a (2).bin'));
    await expect(saveUpload(cwd, '../1', 'a', Buffer.from(''))).rejects.toThrow(/not a message id/);
    const outside = tmp();
    fs.symlinkSync(path.join(outside, 'planted'), path.join(cwd, '.claude-bridge/uploads/123/b.bin'));
    await expect(saveUpload(cwd, '123', 'b.bin', Buffer.from('x'))).rejects.toThrow(/ELOOP/);
    expect(fs.existsSync(path.join(outside, 'planted'))).toBe(false);
    const cwd2 = tmp();
    fs.symlinkSync(outside, path.join(cwd2, '.claude-bridge'));
    await expect(saveUpload(cwd2, '1', 'c.bin', Buffer.from('x'))).rejects.toMatchObject({ code: 'FILE_OUTSIDE' });
  });

  it('resolves a file to send: inside (realpath), regular, within the limit', async () => {
    const cwd = tmp();
    fs.writeFileSync(path.join(cwd, 'ok.txt'), 'hello');
    fs.mkdirSync(path.join(cwd, 'dir'));
    fs.symlinkSync('/etc/hostname', path.join(cwd, 'out.txt'));
    await expect(resolveSessionFile(cwd, 'ok.txt', 10)).resolves.toMatchObject({ real: path.join(cwd, 'ok.txt'), name: 'ok.txt', size: 5 });
    await expect(resolveSessionFile(cwd, path.join(cwd, 'ok.txt'), 10)).resolves.toMatchObject({ size: 5 });
    await expect(resolveSessionFile(cwd, 'ok.txt', 4)).rejects.toMatchObject({ code: 'FILE_TOO_LARGE' });
    await expect(resolveSessionFile(cwd, 'out.txt', 1e6)).rejects.toMatchObject({ code: 'FILE_OUTSIDE' });
    await expect(resolveSessionFile(cwd, '../nope', 1e6)).rejects.toMatchObject({ code: 'FILE_OUTSIDE' });
    await expect(resolveSessionFile(cwd, 'nope', 1e6)).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
    await expect(resolveSessionFile(cwd, 'dir', 1e6)).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
  });
});

describe('outbox', () => {
  it('a turn claims the waiting requests once; later ones wait for the next turn; delivery drops them', async () => {
    const outbox = new Outbox(tmp());
    const t1 = '11111111-1111-4111-8111-111111111111';
    const t2 = '22222222-2222-4222-8222-222222222222';
    await writeSendRequest(outbox.dirOf('s1'), { path: '/w/a', name: 'a', size: 1, caption: 'A' });
    expect(outbox.claim('s1', t1)).toEqual([expect.objectContaining({ name: 'a', caption: 'A' })]);
    await writeSendRequest(outbox.dirOf('s1'), { path: '/w/b', name: 'b', size: 1 });
    expect(outbox.claim('s1', t1).map((f) => f.name)).toEqual(['a', 'b']); // a replayed result line claims again: same turn, nothing lost
    expect(outbox.claim('s1', t2)).toEqual([]);
    expect(outbox.filesOf('s1', t1)).toHaveLength(2);
    outbox.drop('s1', t1);
    expect(outbox.filesOf('s1', t1)).toEqual([]);
    expect(fs.readdirSync(outbox.dirOf('s1'))).toEqual([]);
  });
});

describe('per-session MCP config', () => {
  it('passes the bridge server as --mcp-config JSON with no secret, and allows only send_file', () => {
    const mcp = bridgeMcp({ command: '/usr/bin/node', script: '/app/dist/mcp/send-file-server.js', sessionDir: '/w', outboxDir: '/run/outbox/s1', maxUploadBytes: 1024 });
    const args = buildClaudeArgs({ session: { kind: 'new', id: '5f2c3c38-3d59-4f4b-9c2e-7d0d2b7c1a11' as never }, mcp: [mcp] });
    const at = args.indexOf('--mcp-config');
    expect(JSON.parse(args[at + 1]!)).toEqual({ mcpServers: { bridge: {
      type: 'stdio', command: '/usr/bin/node', args: ['/app/dist/mcp/send-file-server.js'],
      env: { CDB_SESSION_DIR: '/w', CDB_OUTBOX_DIR: '/run/outbox/s1', CDB_MAX_UPLOAD_BYTES: '1024' },
    } } });
    expect(args.slice(args.indexOf('--allowedTools'), args.indexOf('--allowedTools') + 2)).toEqual(['--allowedTools', 'mcp__bridge__send_file']);
    expect(mcpArgs([])).toEqual([]);
    // The operator's MCP_CONFIG file and the bridge's server share the one (variadic) flag.
    expect(mcpArgs([mcp], ['/etc/mcp.json']).slice(0, 2)).toEqual(['--mcp-config', '/etc/mcp.json']);
    expect(mcpArgs([mcp], ['/etc/mcp.json'])[3]).toBe('--allowedTools');
    expect(mcpArgs([], ['/etc/mcp.json'])).toEqual(['--mcp-config', '/etc/mcp.json']);
  });
});

describe('files sent with an answer', () => {
  it('re-checks each file, names the ones that fail, and keeps the total within the upload limit', async () => {
    const { loadSentFiles } = await import('../../src/discord/render/sent-files.js');
    const cwd = tmp();
    fs.writeFileSync(path.join(cwd, 'a.txt'), 'a'.repeat(60));
    fs.writeFileSync(path.join(cwd, 'b.txt'), 'b'.repeat(60));
    fs.writeFileSync(path.join(cwd, 'c.txt'), 'c'.repeat(30));
    const sent = (name: string, p = path.join(cwd, name)) => ({ id: name, path: p, name, size: 0, at: 0 });
    const { files, lines } = await loadSentFiles([sent('a.txt'), sent('b.txt'), sent('c.txt'), sent('gone.txt'), { ...sent('x'), path: '/etc/hostname', caption: 'hi' }], cwd, 100);
    expect(files.map((f) => f.name)).toEqual(['a.txt', 'c.txt']);
    expect(lines).toEqual([
      '📎 `a.txt`',
      '📎 `b.txt` not attached: with the files before it, the answer would exceed the 100 B upload limit.',
      '📎 `c.txt`',
      "📎 `gone.txt` not attached: `" + path.join(cwd, 'gone.txt') + "` is not a file in this session's directory.",
      "📎 `x` not attached: `/etc/hostname` is outside this session's directory (symlinks resolved); only files inside it can be sent.",
    ]);
  });
});
