/**
 * `RunnerService`: the session side of "several machines" on one machine. Given a NATS connection
 * (made with the runner's own credentials and inbox prefix) and a SessionManager, it
 * - publishes every owed turn, its progress and its result, and every permission request, as events
 *   ({@link forwardSessionEvents}, {@link EventOutbox});
 * - takes commands from its work-queue stream one at a time, in order, and acknowledges each only
 *   once its effect is stored ({@link executeCommand});
 * - keeps its presence entry fresh ({@link PresenceHeartbeat});
 * - answers requests for listings ({@link serveRequests}).
 * It never sees a Discord token.
 */
import { jetstream, jetstreamManager, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { Logger } from '../core/logger.js';
import type { SessionManager } from '../sessions/manager.js';
import { executeCommand, type CommandLog } from './commands.js';
import { ensureCommandStream, presenceBucket } from './jetstream.js';
import { EventOutbox } from './outbox.js';
import { PresenceHeartbeat } from './presence.js';
import { command, decode, isDecodeError } from './protocol.js';
import { serveRequests } from './requests.js';
import { commandStream, parseRunnerName, RUNNER_CONSUMER } from './subjects.js';
import { forwardSessionEvents } from './turn-events.js';

export interface RunnerServiceOptions {
  nc: NatsConnection;
  name: string;
  manager: SessionManager;
  commands: CommandLog;
  /** The runner's `MAX_SESSIONS`, announced in its presence. */
  maxSessions: number;
  /** The bridge's version, announced in its presence. */
  version: string;
  log: Logger;
  now?: () => number;
}

export class RunnerService {
  readonly outbox: EventOutbox;
  private readonly now: () => number;
  private presence: PresenceHeartbeat | null = null;
  private messages: ConsumerMessages | null = null;
  private loop: Promise<void> | null = null;
  private requests: Subscription | null = null;
  private readonly log: Logger;

  constructor(private readonly o: RunnerServiceOptions) {
    parseRunnerName(o.name);
    this.now = o.now ?? Date.now;
    this.log = o.log.child({ component: 'runner', runner: o.name });
    this.outbox = new EventOutbox({ js: jetstream(o.nc), runner: o.name, log: this.log, now: this.now, maxPayload: o.nc.info?.max_payload });
    forwardSessionEvents(o.manager, this.outbox, this.log); // before the manager restores sessions
  }

  /**
   * Sets up the command stream (idempotent), announces the runner, and starts taking commands.
   * Call after the manager's `initialize()`: commands wait in the queue while sessions are restored.
   * @throws what NATS throws when the command stream cannot be set up (a permission missing, NATS away)
   */
  async start(): Promise<void> {
    await ensureCommandStream(await jetstreamManager(this.o.nc), this.o.name);
    this.presence = new PresenceHeartbeat({
      bucket: () => presenceBucket(this.o.nc, { create: false }), name: this.o.name, version: this.o.version, max: this.o.maxSessions,
      live: () => this.o.manager.liveCount(), log: this.log, now: this.now,
    });
    await this.presence.start();
    this.requests = serveRequests(this.o.nc, this.o.name, this.o.manager, this.log);
    const consumer = await jetstream(this.o.nc).consumers.get(commandStream(this.o.name), RUNNER_CONSUMER);
    this.messages = await consumer.consume({ max_messages: 1 });
    const messages = this.messages;
    this.loop = (async () => {
      for await (const m of messages) await this.take(m);
    })().catch((err: unknown) => this.log.error({ err }, 'the command loop ended'));
  }

  /** Stops taking commands (the one in hand is finished), marks the runner offline, stops publishing. */
  async stop(): Promise<void> {
    await this.requests?.drain().catch(() => undefined);
    await this.messages?.close().catch(() => undefined);
    await this.loop;
    await this.presence?.stop();
    this.outbox.close();
  }

  private async take(m: JsMsg): Promise<void> {
    const cmd = decode(command, m.data);
    if (isDecodeError(cmd)) {
      // Never executed: acknowledged, so the work queue drops it. (Observed on nats-server 2.9.10: a
      // `term` with a reason was delivered again after the ack wait.) The log says what it was.
      this.log.error({ seq: m.seq, reason: cmd.error }, 'a command that is not valid protocol was dropped from the queue');
      const id = commandIdOf(m.data);
      if (id) { // the hub can tell its user (e.g. a newer hub's command this runner cannot read)
        await this.outbox.publish(`${id}:refused`, {
          type: 'refused', commandId: id, code: 'BAD_COMMAND', message: `The runner ${this.o.name} could not read that request; it may need an update.`,
        });
      }
      await m.ackAck().catch((err: unknown) => this.log.warn({ err, seq: m.seq }, 'ack not confirmed'));
      return;
    }
    try {
      await executeCommand(cmd, { manager: this.o.manager, commands: this.o.commands, outbox: this.outbox, log: this.log, now: this.now });
    } catch (err) {
      this.log.error({ err, command: cmd.id }, 'command not taken; it will be delivered again');
      m.nak(5_000);
      return;
    }
    const acked = await m.ackAck().catch((err: unknown) => (this.log.warn({ err, command: cmd.id }, 'ack not confirmed'), false));
    if (!acked) this.log.warn({ command: cmd.id }, 'command may be delivered again (it is recognized then)');
  }
}

/** The `id` of a command that did not parse, when it has a usable one (a string of at most 100 characters). */
function commandIdOf(data: Uint8Array): string | null {
  try {
    const id = (JSON.parse(new TextDecoder().decode(data)) as { id?: unknown } | null)?.id;
    return typeof id === 'string' && id.length > 0 && id.length <= 100 ? id : null;
  } catch {
    return null;
  }
}
