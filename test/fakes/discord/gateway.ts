/**
 * The fake's gateway (API docs, "Gateway"): HELLO (op 10) on connect; IDENTIFY (op 2) with the right
 * token → READY (with `resume_gateway_url`) then one GUILD_CREATE per guild; a wrong token closes
 * with 4004, intents the app may not use (privileged, not enabled in the Developer Portal) with 4014
 * "Disallowed intent(s)"; HEARTBEAT (op 1) → HEARTBEAT_ACK (op 11); RESUME (op 6) → INVALID_SESSION (op 9).
 * Dispatches (op 0) carry an increasing sequence number `s`.
 */
import type { WebSocket } from 'ws';

export interface GatewayHost {
  token: string;
  gatewayUrl: string;
  readyPayload(sessionId: string): unknown;
  guildPayloads(): unknown[];
  onIdentify(d: { intents: number }): void;
  /** Intent bits the app may use. */
  allowedIntents(): number;
}

export class GatewayConnection {
  private seq = 0;
  identified = false;
  closed = false;

  constructor(private readonly ws: WebSocket, private readonly host: GatewayHost) {
    ws.on('message', (raw) => this.onMessage(String(raw)));
    ws.on('close', () => (this.closed = true));
    this.send({ op: 10, d: { heartbeat_interval: 41250 }, s: null, t: null });
  }

  dispatch(t: string, d: unknown): void {
    this.send({ op: 0, t, s: ++this.seq, d });
  }

  close(): void {
    this.ws.close(1000);
  }

  private send(payload: unknown): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(JSON.stringify(payload));
  }

  private onMessage(text: string): void {
    let msg: { op: number; d: unknown };
    try {
      msg = JSON.parse(text);
    } catch {
      this.ws.close(4002, 'Decode error');
      return;
    }
    switch (msg.op) {
      case 1:
        this.send({ op: 11, d: null, s: null, t: null });
        break;
      case 2: {
        const d = msg.d as { token: string; intents: number };
        if (d.token !== this.host.token && d.token !== `Bot ${this.host.token}`) {
          this.ws.close(4004, 'Authentication failed.');
          return;
        }
        if ((d.intents & ~this.host.allowedIntents()) !== 0) {
          this.ws.close(4014, 'Disallowed intent(s).');
          return;
        }
        this.host.onIdentify(d);
        this.identified = true;
        this.dispatch('READY', this.host.readyPayload(`fake-session-${Date.now()}`));
        for (const g of this.host.guildPayloads()) this.dispatch('GUILD_CREATE', g);
        break;
      }
      case 6:
        this.send({ op: 9, d: false, s: null, t: null });
        break;
      default:
        break; // presence updates and the like: accepted, ignored
    }
  }
}
