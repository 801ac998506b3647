/**
 * The integration rig: the Anthropic stub, a throwaway Claude config home and work directory, and
 * SessionManagers with an in-memory SQLite store on a private tmux socket, running the real bundled
 * `claude`. No Discord.
 */
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { resolveClaudeBinary } from '../../src/claude/binary.js';
import { createLogger } from '../../src/core/logger.js';
import { TmuxBackend } from '../../src/backends/tmux.js';
import { openDatabase } from '../../src/store/db.js';
import { SqliteSessionStore } from '../../src/store/sessions-repo.js';
import { SessionManager, type SessionManagerOptions } from '../../src/sessions/manager.js';
import { startAnthropicStub, type AnthropicStub, type AnthropicStubOptions } from '../fakes/anthropic-stub.js';
import { makeClaudeTestEnv, type ClaudeTestEnv } from './claude-env.js';

export class TmuxRig {
  private readonly managers: SessionManager[] = [];

  private constructor(readonly stub: AnthropicStub, readonly cenv: ClaudeTestEnv, readonly socket: string) {}

  /** `name` makes the tmux socket (`cdb-<name>-<pid>`) and nothing else. */
  static async start(name: string, stubOptions: AnthropicStubOptions = {}): Promise<TmuxRig> {
    const stub = await startAnthropicStub(stubOptions);
    return new TmuxRig(stub, makeClaudeTestEnv(stub.url), `cdb-${name}-${process.pid}`);
  }

  /**
   * A manager with its own store and run directory (`runDir` under the rig's root); limits of 4 and
   * one-minute timers unless `overrides` says otherwise.
   */
  manager(overrides: Partial<SessionManagerOptions> = {}, runDir = 'run'): { manager: SessionManager; store: SqliteSessionStore } {
    const store = new SqliteSessionStore(openDatabase(':memory:'));
    const manager = new SessionManager({
      store, backend: new TmuxBackend({ socket: this.socket, runDir: path.join(this.cenv.workDir, '..', runDir) }),
      claudeBin: resolveClaudeBinary(undefined, { PATH: '' }).path, claudeConfigDir: this.cenv.configDir, env: this.cenv.env,
      defaultCwd: this.cenv.workDir, maxSessions: 4, maxSessionsPerUser: 4, maxQueue: 4, idleTimeoutMs: 60_000,
      healthIntervalMs: 60_000, turnStallMs: 600_000, log: createLogger('silent'), ...overrides,
    });
    this.managers.push(manager);
    return { manager, store };
  }

  /** Ends every manager's processes, the stub, and the tmux server. */
  async close(): Promise<void> {
    for (const m of this.managers) await m.shutdown({ keepProcesses: false });
    await this.stub.close();
    try { execFileSync('tmux', ['-L', this.socket, 'kill-server'], { stdio: 'ignore' }); } catch { /* gone */ }
  }
}
