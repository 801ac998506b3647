/** `claude-bridge export <id> [--format]`: a conversation to stdout, from the shell on the bot's host. */
import fs from 'node:fs';
import type { Config } from '../config/load.js';
import { BridgeError } from '../core/errors.js';
import { parseBridgeSessionId, parseClaudeSessionId } from '../core/ids.js';
import { EXPORT_FORMATS, exportTranscript, type ExportFormat } from '../claude/export.js';
import { claudeConfigDir, transcriptPath } from '../claude/slug.js';
import { openDatabase } from '../store/db.js';
import { SqliteSessionStore } from '../store/sessions-repo.js';

/**
 * Writes the export of session `id` (a bridge session id, or a Claude session id of the working
 * directory) to `out`. @throws BridgeError `INVALID_ID`, `TRANSCRIPT_NOT_FOUND`
 */
export async function exportCommand(config: Config, id: string, format: string, out: NodeJS.WritableStream): Promise<void> {
  if (!EXPORT_FORMATS.includes(format as ExportFormat)) {
    throw new BridgeError('CONFIG_INVALID', { detail: `--format must be one of ${EXPORT_FORMATS.join(', ')}` });
  }
  const store = new SqliteSessionStore(openDatabase(config.DATABASE_PATH));
  let cwd: string;
  let claudeId;
  try {
    const record = /^[0-9a-f]{12}$/.test(id) ? store.get(parseBridgeSessionId(id)) : store.findByClaudeId(parseClaudeSessionId(id));
    cwd = record?.cwd ?? fs.realpathSync(config.CLAUDE_WORKDIR);
    claudeId = record?.claudeSessionId ?? parseClaudeSessionId(id);
  } finally {
    store.close();
  }
  const file = transcriptPath(claudeConfigDir(), cwd, claudeId);
  if (!fs.existsSync(file)) throw new BridgeError('TRANSCRIPT_NOT_FOUND');
  const { brokenLines } = await exportTranscript(file, format as ExportFormat, out as never, { sessionId: claudeId, cwd });
  if (brokenLines > 0) process.stderr.write(`${brokenLines} broken transcript lines were skipped\n`);
}
