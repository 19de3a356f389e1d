// Stanzas waiting for a connection: kept in order, bounded by count, bytes and age. A stanza
// that cannot wait any longer is refused with a named error, never dropped in silence.
import { XmppError } from '../errors';
import type { DropReport } from './poison-guard';
import type { Passed } from './stanza-gate';
import type { XmlElement } from '../xmpp-lib';
import { words } from '../words';

export interface OutboxLimits {
  maxCount: number;
  maxBytes: number;
  maxAgeMs: number;
}

export const DEFAULT_OUTBOX: OutboxLimits = { maxCount: 1000, maxBytes: 10 * 1024 * 1024, maxAgeMs: 10 * 60_000 };

interface Settle {
  resolve(): void;
  reject(error: Error): void;
}

export interface OutboxEntry {
  stanza: XmlElement;
  /** The stanza as it passed the gate; absent for a resend (serialized again when written). */
  passed?: Passed | undefined;
  bytes: number;
  queuedAt: number;
  /** Absent for stanzas sent once already and queued again for a resend. */
  settle?: Settle | undefined;
  /** Told when the stanza is dropped after it was written (poison-guard.ts). */
  report?: DropReport | undefined;
  /** Now or never: refused when the connection ends before it was written (it is not kept for the next one). */
  volatile?: boolean | undefined;
}

export class Outbox {
  private entries: OutboxEntry[] = [];
  private totalBytes = 0;
  private expiryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly limits: OutboxLimits = DEFAULT_OUTBOX,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.entries.length;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  /** Queues a stanza at the end; when bounded, throws XmppError('outbox-full') rather than pass a limit. */
  push(stanza: XmlElement, settle: Settle, bounded = true, extra: { passed?: Passed; report?: DropReport | undefined; volatile?: boolean } = {}): void {
    const { passed, report, volatile } = extra;
    const bytes = passed?.bytes ?? Buffer.byteLength(stanza.toString(), 'utf8');
    if (bounded && this.entries.length + 1 > this.limits.maxCount) {
      throw new XmppError('outbox-full', words('outbox-count', { count: this.entries.length, limit: this.limits.maxCount }));
    }
    if (bounded && this.totalBytes + bytes > this.limits.maxBytes) {
      throw new XmppError('outbox-full', words('outbox-bytes', { bytes: this.totalBytes + bytes, limit: this.limits.maxBytes }));
    }
    this.entries.push({ stanza, passed, bytes, queuedAt: this.now(), settle, report, volatile });
    this.totalBytes += bytes;
  }

  /** Puts stanzas back at the front, in their order: ones written but never acknowledged by the server. */
  requeue(entries: OutboxEntry[]): void {
    if (entries.length === 0) return;
    this.entries = [...entries, ...this.entries];
    for (const entry of entries) this.totalBytes += entry.bytes;
  }

  /** Wraps a stanza that was already sent once (no one waits on it any more). */
  resendEntry(stanza: XmlElement): OutboxEntry {
    return { stanza, bytes: Buffer.byteLength(stanza.toString(), 'utf8'), queuedAt: this.now() };
  }

  peek(): OutboxEntry | undefined {
    return this.entries[0];
  }

  /**
   * Takes a run from the front to be written together: the first entry, then the following ones
   * while `joins` accepts them and the run stays within `maxBytes` and `maxCount`.
   */
  take(maxBytes: number, joins: (entry: OutboxEntry) => boolean, maxCount = Infinity): OutboxEntry[] {
    let count = 0;
    let bytes = 0;
    for (const entry of this.entries) {
      if (count > 0 && (count >= maxCount || bytes + entry.bytes > maxBytes || !joins(entry))) break;
      count += 1;
      bytes += entry.bytes;
    }
    const run = count === this.entries.length ? this.entries : this.entries.slice(0, count);
    this.entries = count === this.entries.length ? [] : this.entries.slice(count);
    this.totalBytes -= bytes;
    return run;
  }

  /** Refuses every entry older than the age limit; returns how many. */
  expire(): number {
    const limit = this.now() - this.limits.maxAgeMs;
    const expired = this.entries.filter((entry) => entry.queuedAt <= limit && entry.settle);
    if (expired.length === 0) return 0;
    this.entries = this.entries.filter((entry) => !expired.includes(entry));
    for (const entry of expired) {
      this.totalBytes -= entry.bytes;
      entry.settle?.reject(new XmppError('outbox-expired', words('outbox-age', { seconds: Math.round(this.limits.maxAgeMs / 1000) })));
    }
    return expired.length;
  }

  /** The connection ended: refuses what was only for it. */
  rejectVolatile(error: XmppError): void {
    const volatile = this.entries.filter((entry) => entry.volatile);
    if (volatile.length === 0) return;
    this.entries = this.entries.filter((entry) => !entry.volatile);
    for (const entry of volatile) {
      this.totalBytes -= entry.bytes;
      entry.settle?.reject(error);
    }
  }

  /** Refuses everything waiting; returns how many stanzas nobody was waiting on (already done). */
  rejectAll(error: XmppError): number {
    let orphans = 0;
    for (const entry of this.entries) {
      if (entry.settle) entry.settle.reject(error);
      else orphans += 1;
    }
    this.entries = [];
    this.totalBytes = 0;
    return orphans;
  }

  /** While stanzas wait for the connection, refuses each one as it passes the age limit. */
  expireWhileWaiting(): void {
    if (this.expiryTimer) return;
    this.expiryTimer = setInterval(() => {
      this.expire();
      if (this.entries.length === 0) this.stopExpiring();
    }, 1000);
    this.expiryTimer.unref();
  }

  stopExpiring(): void {
    clearInterval(this.expiryTimer);
    this.expiryTimer = undefined;
  }
}
