/** PERMISSION_MODE reaches Claude Code: its own `system/init` line reports the mode it runs in. */
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, expect, it } from 'vitest';
import { resolveClaudeBinary } from '../../src/claude/binary.js';
import { parseSnowflake } from '../../src/core/ids.js';
import { createLogger } from '../../src/core/logger.js';
import { TmuxBackend } from '../../src/backends/tmux.js';
import { openDatabase } from '../../src/store/db.js';
import { SqliteSessionStore } from '../../src/store/sessions-repo.js';
import { SessionManager } from '../../src/sessions/manager.js';
import { startAnthropicStub } from '../fakes/anthropic-stub.js';
import { makeClaudeTestEnv } from '../helpers/claude-env.js';

const socket = `cdb-pm-${process.pid}`;
afterAll(() => { try { execFileSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' }); } catch { /* gone */ } });

it('runs every session in the configured permission mode', async () => {
  const stub = await startAnthropicStub();
  const cenv = makeClaudeTestEnv(stub.url);
  const manager = new SessionManager({
    store: new SqliteSessionStore(openDatabase(':memory:')),
    backend: new TmuxBackend({ socket, runDir: path.join(cenv.workDir, '..', 'run'), pollMs: 200 }),
    claudeBin: resolveClaudeBinary(undefined, { PATH: '' }).path, claudeConfigDir: cenv.configDir, env: cenv.env,
    defaultCwd: cenv.workDir, maxSessions: 1, maxSessionsPerUser: 1, maxQueue: 1, idleTimeoutMs: 60_000,
    healthIntervalMs: 60_000, turnStallMs: 600_000, log: createLogger('silent'), permissionMode: 'acceptEdits',
  });
  try {
    const session = await manager.getOrCreateSession(parseSnowflake('100000000000000001'), parseSnowflake('200000000000000001'));
    const modes: unknown[] = [];
    session.on('event', (m) => { if (m.type === 'system' && m.subtype === 'init') modes.push(m.permissionMode); });
    expect((await session.sendMessage('hi').done).outcome).toBe('success');
    expect(modes).toEqual(['acceptEdits']);
  } finally {
    await manager.shutdown({ keepProcesses: false });
    await stub.close();
  }
});
