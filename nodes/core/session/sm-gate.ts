// Stream management (XEP-0198) around xmpp.js, for one client: nothing of ours goes out between
// 'online' and the server's answer to <enable/> (xmpp.js announces 'online' first, and a stanza
// sent in between falls outside the server's count), and an acknowledgement is asked for every
// few stanzas (xmpp.js asks only once sending pauses, so a long burst would stay unconfirmed and
// be sent again whole after a server crash).
import { NS_SM, NS_STREAM } from '../namespaces';
import type { Client, XmlElement, XmlFactory } from '../xmpp-lib';
import { detachOutgoingMiddleware, recordSent } from './sm-fast-path';

/** Stanzas written between two requests for an acknowledgement. */
export const ACK_EVERY = 20;
/** A pause in sending this long (ms) asks for an acknowledgement of what went before (as xmpp.js does). */
const PAUSE_MS = 250;
/** Longest wait for the server's answer to <enable/>. */
const SETTLE_TIMEOUT_MS = 5000;

const STANZAS = new Set(['message', 'presence', 'iq']);

export class StreamManagementGate {
  /** Whether the server offered stream management with its last features. */
  private offered = false;
  private pending: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private sinceRequest = 0;
  private awaited: { stanza: XmlElement; resolve: () => void } | undefined;
  /** We keep stream management's queue ourselves (see sm-outgoing.ts), and so ask after a pause. */
  private readonly ownQueue: boolean;
  private pauseTimer: NodeJS.Timeout | undefined;
  private lastCountedAt = 0;

  constructor(
    private readonly client: Client,
    private readonly xml: XmlFactory,
  ) {
    this.ownQueue = detachOutgoingMiddleware(client);
    client.on('element', (element: XmlElement) => {
      if (element.is('features', NS_STREAM) && element.getChild('bind')) this.offered = element.getChild('sm', NS_SM) !== undefined;
      if (this.pending && (element.is('enabled', NS_SM) || element.is('failed', NS_SM))) this.settled();
    });
    // Every stanza written, ours and the library's (answers to queries included), is counted.
    client.on('send', (stanza: XmlElement) => {
      if (this.ownQueue) recordSent(client, stanza);
      if (STANZAS.has(stanza.name)) this.counted();
    });
    client.streamManagement.on('ack', (stanza: XmlElement) => {
      if (this.awaited?.stanza === stanza) this.release();
    });
  }

  /** Asks for an acknowledgement and resolves once the server acknowledged `stanza`, or the connection ended. */
  acknowledged(stanza: XmlElement): Promise<void> {
    if (!this.client.streamManagement.enabled) return Promise.resolve();
    this.release();
    return new Promise((resolve) => {
      this.awaited = { stanza, resolve };
      this.requestAck();
    });
  }

  /** At 'online': runs `ready` at once, or once the server answered <enable/>. */
  whenSettled(resumed: boolean, ready: () => void): void {
    if (resumed || !this.offered) {
      ready();
      return;
    }
    this.pending = ready;
    this.timer = setTimeout(() => this.settled(), SETTLE_TIMEOUT_MS);
  }

  /** The connection ended: nothing waits any more. */
  cancel(): void {
    clearTimeout(this.timer);
    clearTimeout(this.pauseTimer);
    this.pauseTimer = undefined;
    this.pending = undefined;
    this.release();
  }

  private release(): void {
    const awaited = this.awaited;
    this.awaited = undefined;
    awaited?.resolve();
  }

  /** Asks the server for an acknowledgement now. */
  requestAck(): void {
    this.sinceRequest = 0;
    if (this.client.streamManagement.enabled) this.client.send(this.xml('r', { xmlns: NS_SM })).catch(() => undefined);
  }

  private counted(): void {
    this.sinceRequest += 1;
    if (this.sinceRequest >= ACK_EVERY) this.requestAck();
    if (!this.ownQueue) return;
    // One timer for a whole burst, not one per stanza: it looks again when it fires.
    this.lastCountedAt = performance.now();
    this.pauseTimer ??= setTimeout(() => this.afterPause(), PAUSE_MS);
  }

  private afterPause(): void {
    const quiet = performance.now() - this.lastCountedAt;
    if (quiet < PAUSE_MS) {
      this.pauseTimer = setTimeout(() => this.afterPause(), PAUSE_MS - quiet);
      return;
    }
    this.pauseTimer = undefined;
    if (this.sinceRequest > 0) this.requestAck();
  }

  private settled(): void {
    const ready = this.pending;
    this.pending = undefined;
    clearTimeout(this.timer);
    ready?.();
  }
}
