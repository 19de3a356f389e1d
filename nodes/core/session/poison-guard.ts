// The last guard against a stanza the server refuses by ending the stream (one our own checks
// let through: the server's size limit may be lower than ours). Stream management would send it
// again after every reconnect, and every reconnect would end the same way. So: stanzas that were
// unacknowledged when the server ended the stream with an error become suspects; after a new
// login suspects are sent one at a time, each waiting for the server's acknowledgement; a suspect
// in flight when the server ends the stream again is dropped, and whoever sent it is told.
import { XmppError } from '../errors';
import type { XmlElement } from '../xmpp-lib';
import { words } from '../words';

/** The part of xmpp.js's stream management this guard reads and, to force a fresh login, empties. */
export interface UnackedQueue {
  outbound_q: Array<{ stanza: XmlElement }>;
  id: string;
  enabled: boolean;
  enableSent: boolean;
  on(event: 'ack' | 'fail', listener: (stanza: XmlElement) => void): unknown;
}

// Stream errors that say nothing about what we sent.
const NOT_ABOUT_US = new Set(['system-shutdown', 'see-other-host', 'conflict', 'host-gone', 'host-unknown', 'reset', 'connection-timeout', 'remote-connection-failed']);

export type DropReport = (error: XmppError) => void;

/** Who to tell if a written stanza is dropped, kept on the stanza itself (a WeakMap entry per stanza cost more on the send path, and in garbage collection). */
const REPORT = Symbol('drop report');
type Reported = XmlElement & { [REPORT]?: DropReport };

export class PoisonGuard {
  private readonly suspects = new WeakSet<XmlElement>();
  private readonly dropped = new WeakSet<XmlElement>();
  /** The suspect sent alone and not yet acknowledged, if any. */
  private alone: XmlElement | undefined;

  constructor(private readonly fallbackReport: DropReport) {}

  /** Whether the stanza must be written alone and acknowledged before anything more is written. */
  isSuspect(stanza: XmlElement): boolean {
    return this.suspects.has(stanza);
  }

  /**
   * A stanza was written: who sent it is told if it is ever dropped. A suspect waits for the
   * server's acknowledgement before anything more is written (the caller awaits
   * `acknowledged`), so that if the server ends the stream again, this is the stanza it refused.
   */
  written(stanza: XmlElement, report: DropReport | undefined): boolean {
    if (report) (stanza as Reported)[REPORT] = report;
    if (!this.suspects.has(stanza)) return false;
    this.alone = stanza;
    return true;
  }

  isDropped(stanza: XmlElement): boolean {
    return this.dropped.has(stanza);
  }

  /**
   * Follows stream management: an acknowledged stanza was not the cause; an unacknowledged one of
   * a session that could not be resumed goes to `resend` (unless it was dropped).
   */
  watch(queue: UnackedQueue, resend: (stanza: XmlElement) => void): void {
    queue.on('ack', (stanza) => this.acknowledged(stanza));
    queue.on('fail', (stanza) => {
      if (!this.dropped.has(stanza)) resend(stanza);
    });
  }

  /** The server acknowledged the stanza: it was not the cause. */
  acknowledged(stanza: XmlElement): void {
    this.suspects.delete(stanza);
    if (this.alone === stanza) this.alone = undefined;
  }

  /**
   * The server ended the stream with `condition`. When the session must not be resumed (so that
   * suspects are sent again one at a time, by us), the queue is emptied into the returned
   * stanzas, the dropped one left out; otherwise nothing is returned.
   */
  streamError(condition: string, queue: UnackedQueue): XmlElement[] {
    if (NOT_ABOUT_US.has(condition)) return [];
    const inFlight = queue.outbound_q.map((item) => item.stanza);
    const alone = this.alone;
    this.alone = undefined;
    if (alone && inFlight.includes(alone)) {
      this.drop(alone, condition);
      return this.emptyQueue(queue);
    }
    // Suspects already, and in flight again: a resumed session sent them all at once. Log in
    // anew so that we send them, one at a time.
    const again = inFlight.some((stanza) => this.suspects.has(stanza));
    for (const stanza of inFlight) this.suspects.add(stanza);
    return again ? this.emptyQueue(queue) : [];
  }

  private drop(stanza: XmlElement, condition: string): void {
    this.suspects.delete(stanza);
    this.dropped.add(stanza);
    const report = (stanza as Reported)[REPORT] ?? this.fallbackReport;
    report(new XmppError('poison', words('poison', { condition })));
  }

  private emptyQueue(queue: UnackedQueue): XmlElement[] {
    const resend = queue.outbound_q.map((item) => item.stanza).filter((stanza) => !this.dropped.has(stanza));
    queue.outbound_q.length = 0;
    // No resumption, and nothing more counted on this dying stream.
    queue.id = '';
    queue.enabled = false;
    queue.enableSent = false;
    return resend;
  }
}
