// Text and XML: what XML 1.0 can carry, and a stanza as text.
import type { XmlElement } from './xmpp-lib';
import { words, type Words } from './words';

// XML 1.0 allows only #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].
// A server closes the stream on anything else, so such characters are removed before sending.

// Lone surrogates (a high one not followed by a low one, or a low one not preceded by a high one)
// are not characters at all; they are removed too.
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Returns the text with every character XML 1.0 forbids removed. */
export function cleanXmlText(text: string): string {
  return text.replace(FORBIDDEN, '');
}

/** True when the text has a character XML 1.0 forbids. */
export function hasForbiddenXmlChars(text: string): boolean {
  FORBIDDEN.lastIndex = 0;
  const found = FORBIDDEN.test(text);
  FORBIDDEN.lastIndex = 0;
  return found;
}

/** The first character XML 1.0 forbids, as U+XXXX, or undefined when there is none. */
export function firstForbiddenXmlChar(text: string): string | undefined {
  FORBIDDEN.lastIndex = 0;
  const match = FORBIDDEN.exec(text);
  FORBIDDEN.lastIndex = 0;
  return match ? `U+${(match[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}` : undefined;
}

/**
 * Where the first character XML 1.0 forbids is, as words: the character as U+XXXX and its
 * position ("U+FFFE at position 4"; never the text itself, which may be large or a secret);
 * undefined when there is none.
 */
export function forbiddenXmlCharAt(text: string): Words | undefined {
  FORBIDDEN.lastIndex = 0;
  const match = FORBIDDEN.exec(text);
  FORBIDDEN.lastIndex = 0;
  return match ? words('char-at', { char: firstForbiddenXmlChar(match[0]) ?? '', position: match.index }) : undefined;
}

/** The stanza as text; empty for one nested so deep that serialising it would blow the stack. */
export function xmlText(el: XmlElement): string {
  try {
    return el.toString();
  } catch {
    return '';
  }
}
