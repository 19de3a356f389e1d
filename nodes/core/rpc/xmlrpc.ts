// XML-RPC values (the payload of XEP-0009 Jabber-RPC) ↔ JavaScript values. Nothing in a call is
// ever evaluated: values are only read and built.
import { XmppError } from '../errors';
import { forbiddenXmlCharAt } from '../xml-text';
import type { XmlElement, XmlFactory } from '../xmpp-lib';
import { words, type Words } from '../words';

export type RpcValue = string | number | boolean | Date | Buffer | null | RpcValue[] | { [name: string]: RpcValue };

export interface CodecOptions {
  /** Write null as <nil/> (an extension some peers refuse; on by default). */
  nil: boolean;
}

export const DEFAULT_CODEC: CodecOptions = { nil: true };

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

function invalid(why: Words): XmppError {
  return new XmppError('invalid-payload', why);
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** The strict form every peer reads: YYYYMMDDTHH:MM:SS, in UTC. */
export function formatDateTime(date: Date): string {
  return `${pad(date.getUTCFullYear(), 4)}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}T${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
}

/** Lenient: with or without dashes and colons, fractions, a Z or an offset; no zone means UTC. */
export function parseDateTime(text: string): Date {
  const match = /^(\d{4})-?(\d{2})-?(\d{2})T(\d{2}):?(\d{2}):?(\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/.exec(text.trim());
  if (!match) throw invalid(words('rpc-not-date', { text }));
  const [, y, mo, d, h, mi, s, fraction = '', zone = 'Z'] = match;
  const iso = `${y}-${mo}-${d}T${h}:${mi}:${s}${fraction}${zone === 'Z' ? 'Z' : `${zone.slice(0, 3)}:${zone.slice(-2)}`}`;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) throw invalid(words('rpc-not-date', { text }));
  return date;
}

/** A JavaScript value as an XML-RPC <value/>. Throws XmppError('invalid-payload') naming what cannot be sent. */
export function encodeValue(xml: XmlFactory, value: unknown, options: CodecOptions = DEFAULT_CODEC, seen = new Set<object>()): XmlElement {
  const wrap = (child: XmlElement): XmlElement => xml('value', {}, child);
  if (value === null || value === undefined) {
    if (!options.nil) throw invalid(words('rpc-null'));
    return wrap(xml('nil', {}));
  }
  if (typeof value === 'boolean') return wrap(xml('boolean', {}, value ? '1' : '0'));
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw invalid(words('rpc-no-form', { value: String(value) }));
    if (Number.isInteger(value)) {
      if (value < INT32_MIN || value > INT32_MAX) throw invalid(words('rpc-int-range', { value: String(value) }));
      return wrap(xml('int', {}, String(value)));
    }
    return wrap(xml('double', {}, String(value)));
  }
  if (typeof value === 'bigint') {
    if (value < BigInt(INT32_MIN) || value > BigInt(INT32_MAX)) throw invalid(words('rpc-bigint-range', { value: String(value) }));
    return wrap(xml('int', {}, value.toString()));
  }
  if (typeof value === 'string') {
    const bad = forbiddenXmlCharAt(value);
    if (bad !== undefined) throw invalid(words('rpc-string-char', { char: bad }));
    return wrap(xml('string', {}, value));
  }
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw invalid(words('rpc-invalid-date'));
    return wrap(xml('dateTime.iso8601', {}, formatDateTime(value)));
  }
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return wrap(xml('base64', {}, Buffer.from(value).toString('base64')));
  if (typeof value === 'object') {
    if (seen.has(value)) throw invalid(words('rpc-circular'));
    seen.add(value);
    try {
      if (Array.isArray(value)) return wrap(xml('array', {}, xml('data', {}, ...value.map((item) => encodeValue(xml, item, options, seen)))));
      const members = Object.entries(value as Record<string, unknown>)
        .filter(([, member]) => member !== undefined)
        .map(([name, member]) => {
          const bad = forbiddenXmlCharAt(name);
          if (bad !== undefined) throw invalid(words('rpc-member-char', { char: bad }));
          return xml('member', {}, xml('name', {}, name), encodeValue(xml, member, options, seen));
        });
      return wrap(xml('struct', {}, ...members));
    } finally {
      seen.delete(value);
    }
  }
  throw invalid(words('rpc-type-no-form', { type: typeof value }));
}

function firstElement(el: XmlElement): XmlElement | undefined {
  return el.getChildElements()[0];
}

/** An XML-RPC <value/> as a JavaScript value. Throws XmppError('invalid-payload') for what it cannot read. */
export function decodeValue(value: XmlElement): RpcValue {
  const typed = firstElement(value);
  if (!typed) return value.getText(); // an untyped value is a string
  const text = typed.getText();
  switch (typed.name) {
    case 'i4':
    case 'int':
    case 'i8': {
      const n = Number(text.trim());
      const limit = typed.name === 'i8' ? Number.MAX_SAFE_INTEGER : INT32_MAX;
      if (!/^[+-]?\d+$/.test(text.trim()) || Math.abs(n) > limit + (n < 0 ? 1 : 0)) throw invalid(words('rpc-not-int', { value: `<${typed.name}>${text}</${typed.name}>` }));
      return n;
    }
    case 'boolean': {
      const t = text.trim();
      if (t === '1' || t === 'true') return true;
      if (t === '0' || t === 'false') return false;
      throw invalid(words('rpc-not-boolean', { value: `<boolean>${text}</boolean>` }));
    }
    case 'string':
      return text;
    case 'double': {
      const n = Number(text.trim());
      if (text.trim() === '' || Number.isNaN(n)) throw invalid(words('rpc-not-double', { value: `<double>${text}</double>` }));
      return n;
    }
    case 'dateTime.iso8601':
      return parseDateTime(text);
    case 'base64':
      return Buffer.from(text.replace(/\s+/g, ''), 'base64');
    case 'nil':
      return null;
    case 'array':
      return (typed.getChild('data')?.getChildren('value') ?? []).map(decodeValue);
    case 'struct': {
      const result: Record<string, RpcValue> = {};
      for (const member of typed.getChildren('member')) {
        const name = member.getChildText('name');
        const memberValue = member.getChild('value');
        if (name === null || !memberValue) throw invalid(words('rpc-bad-member'));
        result[name] = decodeValue(memberValue);
      }
      return result;
    }
    default:
      throw invalid(words('rpc-unknown-type', { type: `<${typed.name}>` }));
  }
}

export function encodeParams(xml: XmlFactory, params: unknown[], options: CodecOptions = DEFAULT_CODEC): XmlElement {
  // <params/> always, even empty: some peers require it.
  return xml('params', {}, ...params.map((param) => xml('param', {}, encodeValue(xml, param, options))));
}

export function decodeParams(params: XmlElement | undefined): RpcValue[] {
  return (params?.getChildren('param') ?? []).map((param) => {
    const value = param.getChild('value');
    if (!value) throw invalid(words('rpc-param-no-value'));
    return decodeValue(value);
  });
}
