// The presence we announce about ourselves.
import type { XmlElement, XmlFactory } from '../xmpp-lib';
import { cleanXmlText } from '../xml-text';

export const SHOW_VALUES = ['chat', 'away', 'xa', 'dnd'] as const;
export type Show = (typeof SHOW_VALUES)[number];

export interface OwnPresence {
  /** Undefined means plainly available. */
  show?: Show | undefined;
  status?: string | undefined;
  priority?: number | undefined;
}

export function isShow(value: unknown): value is Show {
  return typeof value === 'string' && (SHOW_VALUES as readonly string[]).includes(value);
}

export function buildPresence(xml: XmlFactory, presence: OwnPresence): XmlElement {
  const priority = presence.priority === undefined ? undefined : Math.max(-128, Math.min(127, Math.trunc(presence.priority)));
  return xml(
    'presence',
    {},
    presence.show ? xml('show', {}, presence.show) : undefined,
    presence.status ? xml('status', {}, cleanXmlText(presence.status)) : undefined,
    priority !== undefined && priority !== 0 ? xml('priority', {}, String(priority)) : undefined,
  );
}

export function buildUnavailable(xml: XmlFactory): XmlElement {
  return xml('presence', { type: 'unavailable' });
}
