// Which messages and presences an xmpp-in node passes on: who may send (anyone, a list of JIDs
// and domains, or the contacts in the roster), the message type, messages without a body, and
// how old a message may be (XEP-0203 delayed delivery).
import { ageMs } from '../core/messages/delay';
import { bareOf, formatJid, parseJid } from '../core/jid';
import { XmppError } from '../core/errors';
import type { IncomingMessage } from '../core/messages/message-stanza';

/** The types an xmpp-in node without a room hears (groupchat belongs to rooms). */
const TYPES = new Set(['chat', 'normal', 'headline']);

/** Who may trigger the flow: anyone, the senders listed in `from`, or the contacts in the roster. */
export type SenderMode = 'anyone' | 'list' | 'roster';
export const SENDER_MODES: readonly SenderMode[] = ['anyone', 'list', 'roster'];

export interface FilterFields {
  /** With senders 'list': JIDs and *@domains, separated by commas or new lines. In flows from before `senders` existed: one JID, or empty for anyone. */
  from?: string | undefined;
  /** Absent (or empty) in flows made before it existed: then `from` says it, as it always did. */
  senders?: string | undefined;
  /** 'any' or one of chat, normal, headline. */
  msgType?: string | undefined;
  /** Also messages without a body (chat states, receipts). */
  bodiless?: boolean | undefined;
  /** Drop messages older than `maxAge` seconds (by their XEP-0203 stamp). */
  ignoreOld?: boolean | undefined;
  maxAge?: string | number | undefined;
}

/** Whether a sender may trigger the flow; 'unknown' while the roster that would tell is not known yet. */
export type SenderVerdict = 'allowed' | 'refused' | 'unknown';

/** What the filter needs to know of the connection (in roster mode). */
export interface SenderContext {
  /** Our own JID: our own account may always write to us in roster mode. */
  ownJid(): string;
  /** The roster entry of a bare JID: undefined when not in the roster, null while the roster is not known. */
  rosterItem(jid: string): object | undefined | null;
}

export interface MessageFilter {
  /** Whether a message (not from a room) is of a type and kind that goes out (the sender and age are checked apart). */
  message(message: IncomingMessage): boolean;
  /** Whether anything from this JID (a msg's `from`) may go out. */
  sender(from: string): SenderVerdict;
  /** False for a message older than the node takes. */
  fresh(message: IncomingMessage): boolean;
  /** The mode in force and, with a list, the entries that are no JID or domain (they match nothing). */
  readonly mode: SenderMode;
  readonly invalid: readonly string[];
  /** With ignoreOld: the age in seconds past which a message is dropped. */
  readonly maxAgeS: number | undefined;
}

export const DEFAULT_MAX_AGE_S = 300;

export function messageFilter(fields: FilterFields, context?: SenderContext): MessageFilter {
  const mode = senderMode(fields);
  const legacy = (fields.senders ?? '').trim() === '';
  const list = senderList(mode === 'list' ? senderEntries(fields.from ?? '', legacy) : [], !legacy);
  const wanted = fields.msgType && TYPES.has(fields.msgType) ? fields.msgType : 'any';
  const bodiless = fields.bodiless === true;
  const maxAgeS = fields.ignoreOld === true ? maxAgeSeconds(fields.maxAge) : undefined;
  const maxAgeMs = maxAgeS === undefined ? undefined : maxAgeS * 1000;
  return {
    mode,
    maxAgeS,
    invalid: list.invalid,
    sender: (from) => {
      if (mode === 'anyone') return 'allowed';
      if (mode === 'list') return list.matches(from) ? 'allowed' : 'refused';
      return rosterVerdict(from, context);
    },
    message: (message) => TYPES.has(message.type) && (wanted === 'any' || message.type === wanted) && (message.body !== undefined || bodiless),
    fresh: (message) => maxAgeMs === undefined || ageMs(message.delay) <= maxAgeMs,
  };
}

/** The mode a node's fields say; a node from before `senders` existed: a list when `from` names someone. */
export function senderMode(fields: FilterFields): SenderMode {
  const given = (fields.senders ?? '').trim();
  if ((SENDER_MODES as readonly string[]).includes(given)) return given as SenderMode;
  return (fields.from ?? '').trim() === '' ? 'anyone' : 'list';
}

/** The entries of the list. A node from before `senders` existed has one JID in `from`, read whole, as it always was. */
function senderEntries(from: string, legacy: boolean): string[] {
  const parts = legacy ? [from] : from.split(/[,\n]/);
  return parts.map((part) => part.trim()).filter((part) => part !== '');
}

function maxAgeSeconds(value: unknown): number {
  const n = typeof value === 'number' ? value : Number(String(value ?? '').trim() || NaN);
  return Number.isFinite(n) && n >= 0 ? n : DEFAULT_MAX_AGE_S;
}

/**
 * A bare JID matches all of its resources, a full JID only that one, `*@example.org` everyone at
 * that domain (not in a node from before lists: there it was the JID of a user named "*"), and
 * `example.org` the server itself (as a bare JID always did). An entry that does not parse matches nothing.
 */
function senderList(entries: string[], wildcards: boolean): { matches(from: string): boolean; invalid: string[] } {
  const bare = new Set<string>();
  const full = new Set<string>();
  const domains = new Set<string>();
  const invalid: string[] = [];
  for (const entry of entries) {
    try {
      if (wildcards && entry.startsWith('*@')) {
        const jid = parseJid(entry.slice(2));
        if (jid.local || jid.resource) throw new XmppError('invalid-jid', entry);
        domains.add(jid.domain);
        continue;
      }
      const jid = parseJid(entry);
      (jid.resource ? full : bare).add(formatJid(jid));
    } catch {
      invalid.push(entry);
    }
  }
  return {
    invalid,
    matches: (from) => {
      let jid;
      try {
        jid = parseJid(from);
      } catch {
        return false;
      }
      return bare.has(bareOf(from)) || full.has(formatJid(jid)) || (jid.local !== '' && domains.has(jid.domain));
    },
  };
}

function rosterVerdict(from: string, context: SenderContext | undefined): SenderVerdict {
  if (!context) return 'refused';
  const bare = bareOf(from);
  if (bare === bareOf(context.ownJid())) return 'allowed';
  const item = context.rosterItem(bare);
  if (item === null) return 'unknown';
  return item === undefined ? 'refused' : 'allowed';
}
