import { Writable } from 'node:stream';
import { expect, it } from 'vitest';
import { createLogger } from '../../src/core/logger.js';

it('redacts tokens, API keys, auth headers and environments wherever they appear; sessions log as children', () => {
  const lines: string[] = [];
  const destination = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } });
  const log = createLogger('info', { destination });
  log.info({ DISCORD_TOKEN: 'MTA.secret.token', config: { ANTHROPIC_API_KEY: 'sk-ant-secret' }, req: { headers: { authorization: 'Bot MTA.x.y' } }, env: { A: 'b' } }, 'start');
  log.child({ session: 'abc123def456' }).warn({ token: 'itoken-123' }, 'turn');
  const text = lines.join('');
  for (const secret of ['MTA.secret.token', 'sk-ant-secret', 'Bot MTA.x.y', 'itoken-123', '"A":"b"']) expect(text).not.toContain(secret);
  const [first, second] = lines.map((l) => JSON.parse(l));
  expect(first).toMatchObject({ DISCORD_TOKEN: '[redacted]', config: { ANTHROPIC_API_KEY: '[redacted]' }, req: { headers: { authorization: '[redacted]' } }, env: '[redacted]' });
  expect(second).toMatchObject({ session: 'abc123def456', token: '[redacted]', msg: 'turn' });
});
