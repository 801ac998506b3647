/**
 * Issue 13 item 6, what can be checked mechanically: the README starts with the two set-up commands,
 * names every `claude-bridge` command and every permission the invite asks for (with its integer),
 * and its relative links point at files in this repository.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BOT_PERMISSIONS, botPermissionsInteger } from '../../src/discord/invite.js';

const root = path.resolve(import.meta.dirname, '../..');
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');

describe('README', () => {
  it('starts with the two set-up commands: run the bot, run the tests', () => {
    const block = /```sh\n([\s\S]*?)```/.exec(readme)![1]!.trim().split('\n');
    expect(block[0]).toMatch(/^npm install && npm start\s+#/);
    expect(block[1]).toMatch(/^npm test\s+#/);
    expect(readme.indexOf('```sh')).toBeLessThan(readme.indexOf('\n## '));
  });

  it('lists every claude-bridge command in the Operate table', () => {
    const cli = fs.readFileSync(path.join(root, 'src/cli/index.ts'), 'utf8');
    const commands = [...cli.matchAll(/program\.command\('([\w-]+)'\)/g)].map((m) => m[1]!);
    expect(commands).toContain('login');
    for (const c of commands) expect(readme, c).toMatch(new RegExp(`^\\| \`${c}[ \`]`, 'm'));
  });

  it('names every permission the invite asks for, and its integer', () => {
    const prose = readme.replace(/\s+/g, ' '); // names may wrap across lines
    for (const p of BOT_PERMISSIONS) expect(prose, p.name).toContain(p.name);
    expect(readme).toContain(`\`${botPermissionsInteger()}\``);
  });

  it('links only to files that exist in the repository', () => {
    const links = [...readme.matchAll(/\]\(([^)#]+)(#[^)]*)?\)/g)].map((m) => m[1]!).filter((l) => !/^[a-z]+:/.test(l));
    expect(links.length).toBeGreaterThan(0);
    for (const l of links) expect(fs.existsSync(path.join(root, l)), l).toBe(true);
  });
});
