// JIDs (RFC 7622), checked strictly enough that a server never sees one it would reject.
import { randomBytes } from 'node:crypto';
import { XmppError } from './errors';
import { firstForbiddenXmlChar } from './xml-text';
import { words, type Words } from './words';

export interface Jid {
  /** Empty for a server or service address. */
  readonly local: string;
  readonly domain: string;
  /** Empty for a bare JID. */
  readonly resource: string;
}

const MAX_PART_BYTES = 1023;
// RFC 7622 3.3.1: these may not appear in a localpart.
const LOCAL_FORBIDDEN = /["&'/:<>@\s\u0000-\u001F\u007F]/u;
const DOMAIN_FORBIDDEN = /[\s\u0000-\u001F\u007F@/\\"'<>]/u;
const RESOURCE_FORBIDDEN = /[\u0000-\u001F\u007F]/u;

function tooLong(part: string): boolean {
  return Buffer.byteLength(part, 'utf8') > MAX_PART_BYTES;
}

function invalid(text: string, why: Words): XmppError {
  const shown = text.length > 80 ? `${text.slice(0, 80)}…` : text;
  return new XmppError('invalid-jid', words('jid', { jid: shown, why }));
}

/** Parses and normalises a JID; throws XmppError('invalid-jid') naming what is wrong. */
export function parseJid(input: unknown): Jid {
  if (typeof input !== 'string') throw new XmppError('invalid-jid', words('jid-not-text', { type: input === null ? 'null' : typeof input }));
  const text = input.trim();
  if (text === '') throw invalid(input, words('jid-empty'));
  const slash = text.indexOf('/');
  const beforeResource = slash === -1 ? text : text.slice(0, slash);
  const resource = slash === -1 ? '' : text.slice(slash + 1).normalize('NFC');
  const at = beforeResource.indexOf('@');
  const local = at === -1 ? '' : beforeResource.slice(0, at).normalize('NFC').toLowerCase();
  let domain = (at === -1 ? beforeResource : beforeResource.slice(at + 1)).normalize('NFC').toLowerCase();
  if (domain.endsWith('.')) domain = domain.slice(0, -1);

  if (at !== -1 && local === '') throw invalid(text, words('jid-empty-local'));
  if (LOCAL_FORBIDDEN.test(local)) throw invalid(text, words('jid-local-char'));
  if (tooLong(local)) throw invalid(text, words('jid-local-long'));
  if (domain === '') throw invalid(text, words('jid-no-domain'));
  if (DOMAIN_FORBIDDEN.test(domain)) throw invalid(text, words('jid-domain-char'));
  if (!domain.startsWith('[') && domain.split('.').some((label) => label === '' || label.length > 63)) {
    throw invalid(text, words('jid-domain-label'));
  }
  if (tooLong(domain)) throw invalid(text, words('jid-domain-long'));
  if (slash !== -1 && resource === '') throw invalid(text, words('jid-empty-resource'));
  if (RESOURCE_FORBIDDEN.test(resource)) throw invalid(text, words('jid-resource-char'));
  if (tooLong(resource)) throw invalid(text, words('jid-resource-long'));
  // U+FFFE, U+FFFF, lone surrogates and C0 controls: a server ends the stream on them (RFC 7622
  // forbids them in every part; they are not even XML characters).
  const forbidden = firstForbiddenXmlChar(text);
  if (forbidden) throw invalid(text, words('jid-xml-char', { char: forbidden }));
  return { local, domain, resource };
}

export function formatJid(jid: Jid): string {
  const bare = jid.local ? `${jid.local}@${jid.domain}` : jid.domain;
  return jid.resource ? `${bare}/${jid.resource}` : bare;
}

export function bareJid(jid: Jid): string {
  return jid.local ? `${jid.local}@${jid.domain}` : jid.domain;
}

/** The bare form of a JID given as text; the text itself when it does not parse. */
export function bareOf(text: string): string {
  try {
    return bareJid(parseJid(text));
  } catch {
    return text;
  }
}

/** True when two JIDs name the same account (or server), whatever their resources. */
export function sameBare(a: string, b: string): boolean {
  return bareOf(a) === bareOf(b);
}

/**
 * A resource for a JID given without one. Random per connection, so two Node-RED instances
 * using the same account do not keep kicking each other off with a resource conflict.
 */
export function defaultResource(): string {
  return `node-red-${randomBytes(4).toString('hex')}`;
}
