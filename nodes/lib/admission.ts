// What an xmpp-in node lets through before its own limits: messages fresh enough, from senders it
// takes (in roster-only mode, once the roster can tell). What it keeps out is said in the debug
// log: the first at once, then a count a minute, never one line per message.
import { BurstLog } from '../core/burst-log';
import { ageMs } from '../core/messages/delay';
import type { IncomingMessage } from '../core/messages/message-stanza';
import type { MessageFilter } from './message-filter';
import { RosterWait } from './roster-wait';
import type { Translate } from './status-text';

export interface AdmissionLog {
  debug(text: string): void;
  warn(text: string): void;
}

export class Admission {
  private readonly refused: BurstLog<string>;
  private readonly stale: BurstLog<{ jid: string; ageMs: number }>;
  private readonly rosterWait: RosterWait;
  private readonly unencrypted: BurstLog<string>;

  constructor(
    private readonly filter: MessageFilter,
    log: AdmissionLog,
    t: Translate,
  ) {
    const seconds = (ms: number): number => Math.round(ms / 1000);
    const max = filter.maxAgeS ?? 0;
    this.refused = new BurstLog((line) =>
      log.debug(line.kind === 'first' ? t('xmpp-in.debug.refused', { jid: line.detail }) : t('xmpp-in.debug.refused-more', { count: line.count, seconds: seconds(line.sinceMs) })),
    );
    this.stale = new BurstLog((line) =>
      log.debug(
        line.kind === 'first'
          ? t('xmpp-in.debug.old', { jid: line.detail.jid, age: seconds(line.detail.ageMs), max })
          : t('xmpp-in.debug.old-more', { count: line.count, max, seconds: seconds(line.sinceMs) }),
      ),
    );
    this.unencrypted = new BurstLog((line) =>
      log.debug(line.kind === 'first' ? t('xmpp-in.debug.not-trusted', { jid: line.detail }) : t('xmpp-in.debug.not-trusted-more', { count: line.count, seconds: seconds(line.sinceMs) })),
    );
    let warned = false;
    this.rosterWait = new RosterWait(() => {
      if (!warned) log.warn(t('xmpp-in.warning.roster-wait-full'));
      warned = true;
    });
  }

  /** False, and counted, for a message older than the node takes. */
  fresh(message: IncomingMessage): boolean {
    if (this.filter.fresh(message)) return true;
    this.stale.note({ jid: message.from, ageMs: ageMs(message.delay) });
    return false;
  }

  /** With "only encrypted from trusted devices": false, and counted, for a message in clear or from a device we do not trust. */
  encryptedEnough(message: IncomingMessage, trustedOnly: boolean): boolean {
    if (!trustedOnly || message.encryption?.trusted === true) return true;
    this.unencrypted.note(message.from);
    return false;
  }

  /** Calls `emit` when the sender may trigger the flow (in order, later when the roster is not known yet); else counts it. */
  fromAllowed(from: string, emit: () => void): void {
    this.rosterWait.offer(() => {
      const verdict = this.filter.sender(from);
      if (verdict === 'unknown') return 'unknown';
      if (verdict === 'allowed') emit();
      else this.refused.note(from);
      return 'decided';
    });
  }

  /** The roster was fetched or changed: what waited for it is decided. */
  rosterChanged(): void {
    this.rosterWait.release();
  }

  /** The node closes: what waits is dropped, what is counted is written. */
  close(): void {
    this.rosterWait.clear();
    this.refused.close();
    this.stale.close();
    this.unencrypted.close();
  }
}
