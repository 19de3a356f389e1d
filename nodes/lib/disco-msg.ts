// disco-query msgs: what a query asks (from msg fields and the node's fields), what comes out,
// and the flow's answer for a disco node it handles, read back into DiscoInfo / DiscoItem[].
import { MsgError } from './node-error';
import { formatJid, parseJid } from '../core/jid';
import { forbiddenXmlCharAt } from '../core/xml-text';
import type { DataForm, DiscoInfo, DiscoItem, Identity } from '../core/disco/disco-stanza';
import { positiveNumber, present, text, timeoutMs } from './msg-fields';
import { words, type Detail } from '../core/words';

export type QueryKind = 'info' | 'items' | 'version' | 'walk';
export const QUERY_KINDS: readonly QueryKind[] = ['info', 'items', 'version', 'walk'];

export const DEFAULT_TIMEOUT_S = 10;
export const DEFAULT_DEPTH = 1;
export const MAX_DEPTH = 5;

/** A msg that cannot be turned into a query or an answer; `code` names why (a locale key under disco-query.error). */
export type DiscoMsgErrorCode = 'no-target' | 'invalid-query' | 'invalid-node' | 'invalid-depth' | 'invalid-timeout' | 'invalid-answer';

export class DiscoMsgError extends MsgError {
  declare readonly code: DiscoMsgErrorCode;

  constructor(code: DiscoMsgErrorCode, detail: Detail = '') {
    super('disco-query', code, detail);
    this.name = 'DiscoMsgError';
  }
}

/** The node's own fields, as the editor stores them. */
export interface QueryDefaults {
  to: string;
  query: string;
  node: string;
  depth: string | number;
  timeout: string | number;
}

export interface DiscoQuery {
  kind: QueryKind;
  /** Normalised: a full JID, a bare JID or a server. */
  to: string;
  node: string | undefined;
  depth: number;
  timeoutMs: number;
}

/** The timeout in ms: msg.timeout (s) over the node's field (s) over 10 s. */
export function timeoutOf(msgValue: unknown, fieldValue: unknown): number {
  return timeoutMs(msgValue, fieldValue, DEFAULT_TIMEOUT_S, (given) => new DiscoMsgError('invalid-timeout', given));
}

function depthOf(msgValue: unknown, fieldValue: unknown): number {
  const valid = (n: number | undefined): n is number => n !== undefined && Number.isInteger(n) && n <= MAX_DEPTH;
  if (present(msgValue)) {
    const n = positiveNumber(msgValue);
    if (!valid(n)) throw new DiscoMsgError('invalid-depth', String(msgValue));
    return n;
  }
  const n = positiveNumber(fieldValue);
  return valid(n) ? n : DEFAULT_DEPTH;
}

/** Reads what to ask: msg.to / msg.query / msg.node / msg.depth / msg.timeout over the node's fields. */
export function readQuery(msg: Record<string, unknown>, defaults: QueryDefaults): DiscoQuery {
  const kindText = present(msg.query) ? msg.query : text(defaults.query) ?? 'info';
  if (typeof kindText !== 'string' || !(QUERY_KINDS as readonly string[]).includes(kindText)) {
    throw new DiscoMsgError('invalid-query', String(kindText));
  }
  const kind = kindText as QueryKind;
  const target = present(msg.to) ? msg.to : text(defaults.to);
  if (target === undefined) throw new DiscoMsgError('no-target');
  const to = formatJid(parseJid(target)); // XmppError('invalid-jid') when it does not parse
  let node: string | undefined;
  if (present(msg.node)) {
    if (typeof msg.node !== 'string') throw new DiscoMsgError('invalid-node', typeof msg.node);
    node = msg.node;
  } else {
    node = text(defaults.node);
  }
  return { kind, to, node, depth: depthOf(msg.depth, defaults.depth), timeoutMs: timeoutOf(msg.timeout, defaults.timeout) };
}

/** msg.payload for a query's answer. */
export function queryPayload(kind: QueryKind, answer: unknown): unknown {
  return kind === 'items' || kind === 'walk' ? { items: answer } : answer;
}

// ---- answer mode

/** msg.payload of a query the flow is to answer. */
export interface AskedPayload {
  kind: 'info' | 'items';
  node: string;
  from: string;
}

/** Where a reply handle travels on the msg: msg._disco.reply (kept by most nodes) and msg.xmpp.reply. */
export function replyIdOf(msg: Record<string, unknown>): string | undefined {
  for (const holder of [msg._disco, msg.xmpp]) {
    if (holder && typeof holder === 'object') {
      const reply = (holder as Record<string, unknown>).reply;
      if (typeof reply === 'string' && reply !== '') return reply;
    }
  }
  return undefined;
}

/**
 * Text that goes into the answer as is: refused when it has a character XML 1.0 forbids (the
 * server would end our stream on it). `where` names the place, never the text.
 */
function xmlText<T extends string | undefined>(value: T, where: string): T {
  const bad = value === undefined ? undefined : forbiddenXmlCharAt(value);
  if (bad !== undefined) throw new DiscoMsgError('invalid-answer', words('has-xml-char', { field: where, char: bad }));
  return value;
}

function optionalText(value: unknown, where: string): string | undefined {
  return xmlText(typeof value === 'string' && value !== '' ? value : undefined, where);
}

function stringList(value: unknown, what: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw new DiscoMsgError('invalid-answer', words('text-list', { field: what }));
  return (value as string[]).map((v, i) => xmlText(v, `${what}[${i}]`));
}

function readIdentity(value: unknown, i: number): Identity {
  const where = `identities[${i}]`;
  if (!value || typeof value !== 'object') throw new DiscoMsgError('invalid-answer', words('must-be-object', { field: where }));
  const { category, type, name, lang } = value as Record<string, unknown>;
  if (typeof category !== 'string' || category === '' || typeof type !== 'string' || type === '') {
    throw new DiscoMsgError('invalid-answer', words('disco-identity', { field: where }));
  }
  return {
    category: xmlText(category, `${where}.category`),
    type: xmlText(type, `${where}.type`),
    name: optionalText(name, `${where}.name`),
    lang: optionalText(lang, `${where}.lang`),
  };
}

function readForm(value: unknown, i: number): DataForm {
  const where = `forms[${i}]`;
  if (!value || typeof value !== 'object') throw new DiscoMsgError('invalid-answer', words('must-be-object', { field: where }));
  const { type, formType, fields } = value as Record<string, unknown>;
  const read: Record<string, string[]> = {};
  if (fields !== undefined && fields !== null) {
    if (typeof fields !== 'object' || Array.isArray(fields)) throw new DiscoMsgError('invalid-answer', words('must-be-object', { field: `${where}.fields` }));
    for (const [name, values] of Object.entries(fields as Record<string, unknown>)) {
      xmlText(name, `${where}.fields`);
      read[name] = typeof values === 'string' ? [xmlText(values, `${where}.fields`)] : stringList(values, `${where}.fields`);
    }
  }
  return { type: optionalText(type, `${where}.type`) ?? 'result', formType: optionalText(formType, `${where}.formType`), fields: read };
}

function readItem(value: unknown, i: number): DiscoItem {
  const where = `items[${i}]`;
  if (!value || typeof value !== 'object') throw new DiscoMsgError('invalid-answer', words('must-be-object', { field: where }));
  const { jid, name, node } = value as Record<string, unknown>;
  if (typeof jid !== 'string' || jid.trim() === '') throw new DiscoMsgError('invalid-answer', words('disco-item-jid', { field: `${where}.jid` }));
  return {
    // Checked before parsing: the JID rules alone let some of these characters through.
    jid: formatJid(parseJid(xmlText(jid, `${where}.jid`))),
    name: optionalText(name, `${where}.name`),
    node: optionalText(node, `${where}.node`),
  };
}

/**
 * The flow's answer (msg.payload) for a query of this kind: { identities, features, forms } for
 * info, { items } (or a plain list) for items. null, undefined or false: item-not-found (undefined).
 */
export function readAnswer(kind: 'info' | 'items', payload: unknown): DiscoInfo | DiscoItem[] | undefined {
  if (payload === undefined || payload === null || payload === false) return undefined;
  if (kind === 'items') {
    const list = Array.isArray(payload) ? payload : typeof payload === 'object' ? (payload as Record<string, unknown>).items : undefined;
    if (list === undefined || list === null) return [];
    if (!Array.isArray(list)) throw new DiscoMsgError('invalid-answer', words('must-be-list', { field: 'items' }));
    return list.map(readItem);
  }
  if (typeof payload !== 'object' || Array.isArray(payload)) throw new DiscoMsgError('invalid-answer', words('must-be-object', { field: 'msg.payload' }));
  const { identities, features, forms } = payload as Record<string, unknown>;
  if (identities !== undefined && identities !== null && !Array.isArray(identities)) throw new DiscoMsgError('invalid-answer', words('must-be-list', { field: 'identities' }));
  if (forms !== undefined && forms !== null && !Array.isArray(forms)) throw new DiscoMsgError('invalid-answer', words('must-be-list', { field: 'forms' }));
  const info: DiscoInfo = {
    identities: ((identities as unknown[] | null | undefined) ?? []).map(readIdentity),
    features: stringList(features, 'features'),
    forms: ((forms as unknown[] | null | undefined) ?? []).map(readForm),
  };
  // XEP-0030: an entity (and a node) has at least one identity.
  if (info.identities.length === 0) throw new DiscoMsgError('invalid-answer', words('disco-no-identity'));
  return info;
}
