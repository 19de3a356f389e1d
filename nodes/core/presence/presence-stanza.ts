// <presence/> stanzas ↔ plain objects (RFC 6121 4): read once as they arrive, built in one place.
import type { XmlElement, XmlFactory } from '../xmpp-lib';
import { cleanXmlText, xmlText } from '../xml-text';

export const SHOW_VALUES = ['chat', 'away', 'xa', 'dnd'] as const;
export type Show = (typeof SHOW_VALUES)[number];

export function isShow(value: unknown): value is Show {
  return typeof value === 'string' && (SHOW_VALUES as readonly string[]).includes(value);
}

/** The presence we announce about ourselves. */
export interface OwnPresence {
  /** Undefined means plainly available. */
  show?: Show | undefined;
  status?: string | undefined;
  priority?: number | undefined;
}

export const PRESENCE_TYPES = ['available', 'unavailable', 'subscribe', 'subscribed', 'unsubscribe', 'unsubscribed', 'probe', 'error'] as const;
export type PresenceType = (typeof PRESENCE_TYPES)[number];

export interface IncomingPresence {
  from: string;
  to: string;
  type: PresenceType;
  /** 'available' when an available presence has no <show/>. */
  show: Show | 'available' | undefined;
  status: string | undefined;
  priority: number;
  /** The stanza as XML text. */
  stanza: string;
}

/** Priorities are whole numbers from -128 to 127 (RFC 6121 4.7.2.3). */
export function clampPriority(priority: number): number {
  return Math.max(-128, Math.min(127, Math.trunc(priority)));
}

export function readPresence(el: XmlElement): IncomingPresence {
  const rawType = el.attrs.type;
  const type = rawType === undefined ? 'available' : (PRESENCE_TYPES as readonly string[]).includes(rawType) ? (rawType as PresenceType) : 'error';
  const showText = el.getChildText('show')?.trim();
  const priority = Number.parseInt(el.getChildText('priority') ?? '0', 10);
  return {
    from: el.attrs.from ?? '',
    to: el.attrs.to ?? '',
    type,
    show: type === 'available' ? (isShow(showText) ? showText : 'available') : undefined,
    status: el.getChildText('status') ?? undefined,
    priority: Number.isFinite(priority) ? clampPriority(priority) : 0,
    stanza: xmlText(el),
  };
}

export interface OutgoingPresence {
  to?: string | undefined;
  type?: Exclude<PresenceType, 'available' | 'error'> | undefined;
  show?: Show | undefined;
  status?: string | undefined;
  priority?: number | undefined;
}

/** Any presence of ours: broadcast or directed, available, unavailable or a subscription answer. */
export function buildPresence(xml: XmlFactory, presence: OutgoingPresence): XmlElement {
  const priority = presence.priority === undefined ? 0 : clampPriority(presence.priority);
  const status = presence.status === undefined ? undefined : cleanXmlText(presence.status);
  return xml(
    'presence',
    { to: presence.to, type: presence.type },
    presence.show ? xml('show', {}, presence.show) : undefined,
    status ? xml('status', {}, status) : undefined,
    priority !== 0 ? xml('priority', {}, String(priority)) : undefined,
  );
}
