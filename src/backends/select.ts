/** Picks the process backend: `SESSION_BACKEND=auto` takes tmux when it works, else node-pty. */
import { BridgeError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { ProcessBackend } from './types.js';

/**
 * @returns the backend and why it was chosen (e.g. `auto; tmux: tmux is not installed`)
 * @throws BridgeError `BACKEND_UNAVAILABLE` when the chosen (or, for auto, every) backend fails its probe.
 */
export async function selectBackend(
  preference: 'auto' | 'tmux' | 'pty',
  candidates: { tmux: ProcessBackend; pty: ProcessBackend },
  log: Logger,
): Promise<{ backend: ProcessBackend; why: string }> {
  const order = preference === 'auto' ? [candidates.tmux, candidates.pty] : [candidates[preference]];
  const reasons: string[] = [];
  for (const backend of order) {
    const problem = await backend.probe();
    if (problem === null) {
      const why = preference === 'auto' ? `SESSION_BACKEND=auto${reasons.length > 0 ? `; ${reasons.join('; ')}` : ': tmux works'}` : `SESSION_BACKEND=${preference}`;
      log.info({ backend: backend.kind, why }, `session backend: ${backend.kind}`);
      if (backend.kind === 'pty') log.warn('node-pty backend: Claude Code processes end when the bot stops; sessions resume with --resume');
      return { backend, why };
    }
    reasons.push(`${backend.kind}: ${problem}`);
  }
  throw new BridgeError('BACKEND_UNAVAILABLE', { reason: reasons.join('; ') });
}
