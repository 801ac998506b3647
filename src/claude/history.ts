/**
 * `<config>/history.jsonl`: the interactive CLI's prompt history (one line per prompt: `display`,
 * `pastedContents`, `timestamp` (epoch ms), `project` (cwd), `sessionId`; measured on 2.1.330). `claude
 * -p` does not write it, so the bridge appends its own prompts: they then show in the terminal's
 * history and `claude --resume` picker.
 */
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';

export interface HistoryLine {
  display: string;
  pastedContents: Record<string, unknown>;
  timestamp: number;
  project: string;
  sessionId: string;
}

export function historyPath(configDir: string): string {
  return path.join(configDir, 'history.jsonl');
}

/** Appends one line (a single `write` of one line, so concurrent appenders do not interleave it). */
export async function appendHistory(configDir: string, line: Omit<HistoryLine, 'pastedContents'>): Promise<void> {
  await fs.promises.mkdir(configDir, { recursive: true });
  await fs.promises.appendFile(historyPath(configDir), `${JSON.stringify({ ...line, pastedContents: {} })}\n`);
}

/** The newest history line of each session of `project` (cwd), by session id. Missing file → empty. */
export async function historyBySession(configDir: string, project: string): Promise<Map<string, HistoryLine>> {
  const out = new Map<string, HistoryLine>();
  let input: fs.ReadStream;
  try {
    await fs.promises.access(historyPath(configDir));
    input = fs.createReadStream(historyPath(configDir), { encoding: 'utf8' });
  } catch {
    return out;
  }
  for await (const raw of readline.createInterface({ input, crlfDelay: Infinity })) {
    let v: Partial<HistoryLine> | null = null;
    try {
      v = JSON.parse(raw) as Partial<HistoryLine>;
    } catch {
      continue; // a broken line: skip it
    }
    if (v?.project !== project || typeof v.sessionId !== 'string') continue;
    out.set(v.sessionId, v as HistoryLine);
  }
  return out;
}
