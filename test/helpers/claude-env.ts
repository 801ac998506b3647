/** Environment that points the real `claude` CLI at the local Anthropic stub and a throwaway config home. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface ClaudeTestEnv {
  env: Record<string, string>;
  configDir: string;
  workDir: string;
}

export function makeClaudeTestEnv(stubUrl: string): ClaudeTestEnv {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cdb-claude-'));
  const configDir = path.join(root, 'config');
  const workDir = fs.realpathSync(fs.mkdirSync(path.join(root, 'work'), { recursive: true }) ?? path.join(root, 'work'));
  fs.mkdirSync(configDir);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith('ANTHROPIC_') && !k.startsWith('CLAUDE')) env[k] = v;
  }
  Object.assign(env, {
    ANTHROPIC_BASE_URL: stubUrl,
    ANTHROPIC_API_KEY: 'test',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    CLAUDE_CONFIG_DIR: configDir,
  });
  return { env, configDir, workDir };
}
