/**
 * Files out (issue 11 item 6), end to end with the real CLI against the stub: the stub asks for
 * `mcp__bridge__send_file` (`USE:`), the real CLI runs the bridge's MCP server (dist/mcp, started
 * through `--mcp-config`, allowed by `--allowedTools`: no permission prompt), and the file reaches
 * Discord attached to the turn's answer — once, even when the bot dies while the answer is being
 * posted. Paths outside the session's directory (a symlink out included) and files over the upload
 * limit are refused with a clear error to Claude; `/claude file` fetches a file, refusing privately.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeUser, StoredMessage } from '../fakes/discord/server.js';
import { hasButton, Harness } from '../helpers/harness.js';

let h: Harness;
let alice: FakeUser;
const env = { MAX_UPLOAD_MB: '1' };
const sendFile = (input: Record<string, string>) => `USE:mcp__bridge__send_file ${JSON.stringify(input)}`;
type Attached = { filename: string; size: number; text: string };
const attached = (m: StoredMessage) => m.attachments as Attached[];

beforeAll(async () => {
  h = await Harness.create();
  alice = h.discord.addUser('alice');
  await h.startBot([alice], env);
  fs.writeFileSync(path.join(h.cenv.workDir, 'report.txt'), 'quarterly numbers: 42\n');
  fs.symlinkSync('/etc/hostname', path.join(h.cenv.workDir, 'sneaky.txt'));
  fs.writeFileSync(path.join(h.cenv.workDir, 'big.bin'), Buffer.alloc(1024 * 1024 + 1));
});

afterAll(async () => {
  await h?.close();
});

describe('files out', () => {
  it('send_file attaches the file to the answer, with its caption, without a permission prompt', async () => {
    const i = h.ask(alice, sendFile({ path: 'report.txt', caption: 'the Q3 report' }));
    const answer = await h.final(i, 'ran: report.txt (22 B) will be attached to your answer in the chat.');
    expect(answer.content).toContain('📎 `report.txt` — the Q3 report');
    expect(attached(answer)).toEqual([expect.objectContaining({ filename: 'report.txt', text: 'quarterly numbers: 42\n' })]);
    expect(h.discord.responsesTo(i).some((m) => hasButton(m, 'allow'))).toBe(false);
    // The server runs beside the live claude process, with no bot secret in its environment.
    const environ = (pid: string) => { try { return fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0'); } catch { return []; } };
    const servers = fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((pid) => {
      try { return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('send-file-server.js') && environ(pid).includes(`CDB_SESSION_DIR=${h.cenv.workDir}`); } catch { return false; }
    });
    expect(servers.length).toBeGreaterThan(0);
    for (const pid of servers) expect(environ(pid).filter((kv) => kv.includes(h.discord.token) || kv.startsWith('DISCORD_TOKEN='))).toEqual([]);
    const outbox = path.join(h.runDir, 'outbox', String(h.rows()[0]!.id));
    await h.discord.waitFor(() => fs.readdirSync(outbox).length === 0, 10_000, 'the delivered turn\'s outbox to be cleared');
  });

  it('refuses a path outside the directory, a symlink out of it, and a file over the upload limit, telling Claude why', async () => {
    const outside = await h.final(h.ask(alice, sendFile({ path: '/etc/hostname' })), 'ran: [error]');
    expect(outside.content).toContain("`/etc/hostname` is outside this session's directory");
    const link = await h.final(h.ask(alice, sendFile({ path: 'sneaky.txt' })), 'ran: [error]');
    expect(link.content).toContain("`sneaky.txt` is outside this session's directory (symlinks resolved)");
    const big = await h.final(h.ask(alice, sendFile({ path: 'big.bin' })), 'ran: [error]');
    expect(big.content).toContain('`big.bin` is 1 MiB, over the 1 MiB upload limit'.replace('is 1 MiB', 'is 1.0 MiB'));
    for (const m of [outside, link, big]) expect(attached(m)).toEqual([]);
  });

  it('a file sent while the bot dies mid-delivery reaches the chat once', async () => {
    const hold = h.discord.holdNext(/^PATCH \/webhooks\//, 1, (c) => c.files.some((f) => f.name === 'report.txt'));
    const i = h.ask(alice, sendFile({ path: 'report.txt', caption: 'again' }));
    await h.discord.waitFor(() => hold.seen > 0, 45_000, 'the final edit with the file');
    await h.bot!.crash();
    hold.release(); // Discord applies the edit the dead bot sent
    await h.startBot([alice], env);
    const answer = await h.final(i, 'ran: report.txt (22 B)');
    await h.discord.waitFor(() => h.rows('SELECT * FROM turns').length === 0, 30_000, 'the turn delivered after the restart');
    expect(attached(answer).map((a) => a.filename)).toEqual(['report.txt']);
    const withFile = [...h.discord.messages.values()].filter((m) => attached(m).some((a) => a.filename === 'report.txt') && m.content.includes('again'));
    expect(withFile.map((m) => m.id)).toEqual([answer.id]);
  });

  it('/claude file fetches a file from the directory; outside, missing and too large are refused privately', async () => {
    const i = h.discord.injectCommand({ user: alice, name: 'claude', subcommand: 'file', options: { path: 'report.txt' } });
    const got = await h.reply(i, (m) => attached(m).length > 0, 'the file');
    expect(got.content).toBe('📎 `report.txt` (22 B)');
    expect(attached(got)).toEqual([expect.objectContaining({ filename: 'report.txt', text: 'quarterly numbers: 42\n' })]);
    expect(got.flags & 64).toBe(0);
    for (const [p, text] of [['../../etc/passwd', 'is outside this session\'s directory'], ['nope.txt', 'is not a file in this session\'s directory'], ['big.bin', 'over the 1 MiB upload limit']]) {
      const r = h.discord.injectCommand({ user: alice, name: 'claude', subcommand: 'file', options: { path: p! } });
      const told = await h.reply(r, (m) => m.content.includes(text!), `refusal of ${p}`);
      expect(told.flags & 64).toBe(64);
      expect(attached(told)).toEqual([]);
    }
  });
});
