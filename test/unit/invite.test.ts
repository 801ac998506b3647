/**
 * Issue 13 item 5: the permissions and intents the defaults need, the invite link computed from
 * discord.js's flags, the start-up help that lists them, and what a failed login becomes.
 */
import { DiscordjsErrorCodes, PermissionFlagsBits } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { BridgeError } from '../../src/core/errors.js';
import { applicationIdFromToken, BOT_PERMISSIONS, botPermissionsInteger, inviteUrl, requiredIntents } from '../../src/discord/invite.js';
import { explainLoginError } from '../../src/discord/login.js';
import { missingTokenHelp } from '../../src/cli/setup-help.js';

describe('invite link and permissions', () => {
  it('asks for exactly the permissions the bot uses, threads included', () => {
    const f = PermissionFlagsBits;
    const expected = f.ViewChannel | f.SendMessages | f.SendMessagesInThreads | f.CreatePublicThreads | f.ReadMessageHistory | f.AttachFiles | f.UseApplicationCommands;
    expect(botPermissionsInteger()).toBe(expected);
    expect(botPermissionsInteger()).toBe(311385230336n); // the number the portal's URL generator gives for these seven
    expect(botPermissionsInteger() & f.Administrator).toBe(0n);
    expect(inviteUrl('123456789012345678')).toBe(
      'https://discord.com/oauth2/authorize?client_id=123456789012345678&scope=bot%20applications.commands&permissions=311385230336');
  });

  it('names the Message Content intent as privileged only with THREADS', () => {
    expect(requiredIntents(true).filter((i) => i.privileged).map((i) => i.name)).toEqual(['Message Content']);
    expect(requiredIntents(false).some((i) => i.privileged)).toBe(false);
  });

  it('reads the application id from a bot token', () => {
    const id = '1098765432109876543';
    expect(applicationIdFromToken(`${Buffer.from(id).toString('base64').replace(/=+$/, '')}.GabcDE.secret`)).toBe(id);
    expect(applicationIdFromToken('not-a-token')).toBeNull();
  });

  it('the start-up help lists every permission, the scopes, the intent and the link', () => {
    const help = missingTokenHelp(true);
    for (const p of BOT_PERMISSIONS) expect(help).toContain(`"${p.name}"`);
    expect(help).toContain('"bot" and "applications.commands"');
    expect(help).toContain('"Message Content Intent"');
    expect(help).toContain('permissions=311385230336');
    expect(help).toContain('npm run login');
    expect(missingTokenHelp(false)).not.toContain('Message Content Intent"');
  });
});

describe('explainLoginError', () => {
  const api = 'http://127.0.0.1:1/api';
  it('a rejected token is DISCORD_TOKEN_REJECTED, with the fix', () => {
    // What client.login throws on a 401 (DiscordjsError, whose constructor is not public): its code says it.
    const tokenInvalid = Object.assign(new Error('An invalid token was provided.'), { code: DiscordjsErrorCodes.TokenInvalid });
    const e = explainLoginError(tokenInvalid, api) as BridgeError;
    expect(e.code).toBe('DISCORD_TOKEN_REJECTED');
    expect(e.message).toContain('Reset Token');
    expect(e.message).not.toMatch(/\n/);
  });

  it('a network failure is DISCORD_UNREACHABLE with the URL and the code, found in causes too', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect((explainLoginError(refused, api) as BridgeError).message)
      .toBe(`Discord could not be reached at ${api} (ECONNREFUSED). Check the network connection, a proxy (HTTPS_PROXY), or DISCORD_API_URL.`);
    const dns = new TypeError('fetch failed', { cause: Object.assign(new Error('getaddrinfo ENOTFOUND discord.com'), { code: 'ENOTFOUND' }) });
    expect((explainLoginError(dns, api) as BridgeError).params).toEqual({ url: api, reason: 'ENOTFOUND' });
  });

  it('anything else is left as it is', () => {
    const other = new Error('boom');
    expect(explainLoginError(other, api)).toBe(other);
  });
});
