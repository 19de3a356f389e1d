// <presence/> stanzas ↔ plain objects (RFC 6121 4).
import type { XmlElement, XmlFactory } from '../xmpp-lib';
import { cleanXmlText } from '../xml-text';
import { isShow, type Show } from './own-presence';

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
  stanza: XmlElement;
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
    priority: Number.isFinite(priority) ? Math.max(-128, Math.min(127, priority)) : 0,
    stanza: el,
  };
}

export interface OutgoingPresence {
  to?: string | undefined;
  type?: Exclude<PresenceType, 'available' | 'error'> | undefined;
  show?: Show | undefined;
  status?: string | undefined;
  priority?: number | undefined;
}

export function buildPresenceStanza(xml: XmlFactory, presence: OutgoingPresence): XmlElement {
  const priority = presence.priority === undefined ? undefined : Math.max(-128, Math.min(127, Math.trunc(presence.priority)));
  const status = presence.status === undefined ? undefined : cleanXmlText(presence.status);
  return xml(
    'presence',
    { to: presence.to, type: presence.type },
    presence.show ? xml('show', {}, presence.show) : undefined,
    status ? xml('status', {}, status) : undefined,
    priority !== undefined && priority !== 0 ? xml('priority', {}, String(priority)) : undefined,
  );
}
