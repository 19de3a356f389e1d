// Notices a dead line: when nothing has arrived for intervalMs, ask the server (XEP-0199 ping);
// no answer within timeoutMs means the connection is gone, even if TCP has not noticed.
import { XmppError } from '../errors';
import { NS_PING } from '../namespaces';
import type { XmlElement, XmlFactory } from '../xmpp-lib';

export interface KeepaliveOptions {
  intervalMs: number;
  timeoutMs: number;
}

export const DEFAULT_KEEPALIVE: KeepaliveOptions = { intervalMs: 60_000, timeoutMs: 20_000 };

export class Keepalive {
  private lastActivity = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    private readonly options: KeepaliveOptions,
    /** Resolves on any answer (an error reply too: the server is alive); rejects on timeout. */
    private readonly ping: (timeoutMs: number) => Promise<unknown>,
    private readonly dead: () => void,
  ) {}

  /** Something arrived from the server. */
  touch(): void {
    this.lastActivity = Date.now();
  }

  start(): void {
    this.stop();
    this.running = true;
    this.touch();
    this.schedule(this.options.intervalMs);
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => this.check(), Math.max(0, delayMs));
    this.timer.unref();
  }

  private check(): void {
    if (!this.running) return;
    const quietFor = Date.now() - this.lastActivity;
    if (quietFor < this.options.intervalMs) {
      this.schedule(this.options.intervalMs - quietFor);
      return;
    }
    this.ping(this.options.timeoutMs).then(
      () => {
        if (!this.running) return;
        this.touch();
        this.schedule(this.options.intervalMs);
      },
      () => {
        if (this.running) this.dead();
      },
    );
  }
}

/** Pings our server (XEP-0199); an error answer is an answer too: the server is there. */
export function pingServer(request: (iq: XmlElement) => Promise<XmlElement>, xml: XmlFactory, domain: string): Promise<unknown> {
  return request(xml('iq', { type: 'get', to: domain }, xml('ping', { xmlns: NS_PING }))).catch((error: unknown) => {
    if (error instanceof XmppError && error.code === 'stanza-error') return undefined;
    throw error;
  });
}
