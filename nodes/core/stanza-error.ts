// Stanza errors (RFC 6120 8.3) in one place: the condition an error stanza names, and the
// <error/> element we answer with.
import { XmppError } from './errors';
import { NS_STANZAS } from './namespaces';
import type { XmlElement, XmlFactory } from './xmpp-lib';

export type ErrorType = 'cancel' | 'continue' | 'modify' | 'auth' | 'wait';

/** The defined condition of an error stanza ('item-not-found', …); '' when it is no error stanza. */
export function conditionOf(stanza: XmlElement): string {
  const error = stanza.getChild('error');
  if (!error) return '';
  return error.getChildElements().find((el) => el.getNS() === NS_STANZAS && el.name !== 'text')?.name ?? 'undefined-condition';
}

/** The error's human-readable text, when it has one. */
export function errorText(stanza: XmlElement): string {
  return stanza.getChild('error')?.getChildText('text', NS_STANZAS) ?? '';
}

/** An answer's error as a named error: its condition, its text when it has one, and who made it when it says. */
export function stanzaError(answer: XmlElement): XmppError {
  const condition = conditionOf(answer) || 'undefined-condition';
  const text = errorText(answer);
  return new XmppError('stanza-error', text ? `${condition}: ${text}` : condition, condition, answer.getChild('error')?.attrs.by || undefined);
}

/** The <error/> child of an error answer. */
export function errorElement(xml: XmlFactory, type: ErrorType, condition: string): XmlElement {
  return xml('error', { type }, xml(condition, { xmlns: NS_STANZAS }));
}
