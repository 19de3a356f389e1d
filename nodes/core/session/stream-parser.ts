// The XML stream parser we give xmpp.js in place of its own. It decodes UTF-8 across TCP chunks
// (xmpp.js 0.14 decodes each chunk alone and turns a character split between two into U+FFFD),
// accepts only the XML that RFC 6120 11.1 allows (no DOCTYPE, comments, processing instructions
// or entities beyond the five predefined), and bounds every stanza by bytes and depth, so that a
// hostile server cannot exhaust memory with one endless stanza or endless nesting.
import { EventEmitter } from 'node:events';
import { StringDecoder } from 'node:string_decoder';
import { XmppError } from '../errors';
import { NS_STREAM_ERRORS } from '../namespaces';
import type { XmlElement } from '../xmpp-lib';
import { words, type Words } from '../words';

export interface InboundLimits {
  /** Largest stanza we accept from the server, in bytes of UTF-8. */
  maxStanzaBytes: number;
  /** Deepest element nesting within a stanza (the stanza itself is depth 1). */
  maxDepth: number;
}

export const DEFAULT_INBOUND: InboundLimits = { maxStanzaBytes: 2 * 1024 * 1024, maxDepth: 1024 };

/** What the parser found wrong, with the stream error condition that tells the server. */
export type StreamViolationCondition = 'policy-violation' | 'not-well-formed' | 'restricted-xml';

export class StreamViolation extends XmppError {
  constructor(
    readonly streamCondition: StreamViolationCondition,
    detail: Words,
  ) {
    super(streamCondition === 'policy-violation' ? 'inbound-too-large' : 'bad-xml', detail);
  }

  /** What tells the server why we end the stream. */
  streamError(): string {
    return `<stream:error><${this.streamCondition} xmlns='${NS_STREAM_ERRORS}'/></stream:error></stream:stream>`;
  }
}

type ElementConstructor = new (name: string, attrs?: Record<string, string>) => XmlElement;

// Characters XML 1.0 forbids in a document (lone surrogates cannot come out of the UTF-8 decoder).
const FORBIDDEN_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
const NAME_END = /[\s/>]/g;
const NOT_NAME_START = /[\s<>&="'/!?\d.-]/;
const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
/** Longest entity reference we wait for across chunks (&#x10FFFF; is the longest legal one). */
const LONGEST_ENTITY = 10;

function isLegalCodePoint(n: number): boolean {
  return n === 0x9 || n === 0xa || n === 0xd || (n >= 0x20 && n <= 0xd7ff) || (n >= 0xe000 && n <= 0xfffd) || (n >= 0x10000 && n <= 0x10ffff);
}

/** Replaces entity references; throws StreamViolation for any entity but the predefined and legal character references. */
export function unescapeXml(text: string): string {
  if (!text.includes('&')) return text;
  let out = '';
  let from = 0;
  for (let amp = text.indexOf('&'); amp !== -1; amp = text.indexOf('&', from)) {
    const semi = text.indexOf(';', amp + 1);
    if (semi === -1 || semi - amp > LONGEST_ENTITY) throw new StreamViolation('not-well-formed', words('xml-bare-amp'));
    const name = text.slice(amp + 1, semi);
    let char: string | undefined;
    if (name.startsWith('#')) {
      const code = name[1] === 'x' ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1));
      const digits = name[1] === 'x' ? /^#x[0-9a-fA-F]+$/ : /^#[0-9]+$/;
      if (!digits.test(name) || !isLegalCodePoint(code)) throw new StreamViolation('not-well-formed', words('xml-char-ref', { ref: `&${name};` }));
      char = String.fromCodePoint(code);
    } else {
      char = PREDEFINED[name];
      if (char === undefined) throw new StreamViolation('restricted-xml', words('xml-entity', { entity: `&${name.slice(0, 20)};` }));
    }
    out += text.slice(from, amp) + char;
    from = semi + 1;
  }
  return out + text.slice(from);
}

function checkChars(text: string): void {
  if (FORBIDDEN_CHAR.test(text)) throw new StreamViolation('not-well-formed', words('xml-forbidden-char'));
}

/**
 * Builds the Parser class for one connection: the same events as xmpp.js's own ('start' with the
 * stream header, 'element' for each top-level element, 'end' when the stream closes), except that
 * nothing is ever emitted as 'error': a violation goes to `onViolation` once and the parser
 * stops, so the session decides how the stream ends.
 */
export function streamParserClass(Element: ElementConstructor, limits: InboundLimits, onViolation: (violation: StreamViolation) => void, framed = false): new () => StreamParser {
  return class extends StreamParser {
    constructor() {
      super(Element, limits, onViolation, framed);
    }
  };
}

const NS_FRAMING = 'urn:ietf:params:xml:ns:xmpp-framing';

export class StreamParser extends EventEmitter {
  private readonly decoder = new StringDecoder('utf8');
  /** Unconsumed input: a tag, an entity or a CDATA section cut by the end of a chunk. */
  private pending = '';
  private root: XmlElement | undefined;
  /** The element being filled; undefined between stanzas. */
  private cursor: XmlElement | undefined;
  private depth = 0;
  private stanzaBytes = 0;
  private dead = false;
  private ended = false;
  /** Whether what is being parsed is all ASCII: then a token's bytes are its length. */
  private ascii = true;

  /**
   * framed: XMPP over WebSocket (RFC 7395): no stream element around the stanzas; the stream
   * opens with an <open/> element and ends with a <close/> one, each a frame of its own.
   */
  constructor(
    private readonly Element: ElementConstructor,
    private readonly limits: InboundLimits,
    private readonly onViolation: (violation: StreamViolation) => void,
    private readonly framed = false,
  ) {
    super();
  }

  write(data: Buffer | string): void {
    if (this.dead || this.ended) return;
    const text = typeof data === 'string' ? data : this.decoder.write(data);
    // All ASCII when every byte became one character, and what was left over was ASCII too.
    this.ascii = typeof data !== 'string' && data.length === text.length && (this.pending === '' || this.ascii);
    try {
      this.parse(this.pending + text);
    } catch (error) {
      this.dead = true;
      this.pending = '';
      this.cursor = undefined;
      this.onViolation(error instanceof StreamViolation ? error : new StreamViolation('not-well-formed', words('xml-unreadable', { reason: error instanceof Error ? error.message : String(error) })));
    }
  }

  end(data?: Buffer | string): void {
    if (data) this.write(data);
  }

  private parse(data: string): void {
    let pos = 0;
    const length = data.length;
    while (pos < length) {
      if (this.ended) return;
      const lt = data.indexOf('<', pos);
      if (lt !== pos) {
        // Text up to the next tag (or the end of what arrived), short of a cut-off entity.
        let end = lt === -1 ? length : lt;
        if (lt === -1) {
          const amp = data.lastIndexOf('&', end - 1);
          if (amp >= pos && end - amp <= LONGEST_ENTITY && data.indexOf(';', amp) === -1) end = amp;
        }
        if (end > pos) this.text(data.slice(pos, end));
        pos = end;
        if (lt === -1) break;
        continue;
      }
      const consumed = this.markup(data, lt);
      if (consumed === -1) break; // cut off: wait for more
      pos = consumed;
    }
    this.pending = data.slice(pos);
    // A tag cut off by the chunk's end grows here until it is complete: bounded too (in UTF-16
    // units, which never exceed the bytes they came from).
    const open = this.cursor ? this.stanzaBytes : 0;
    if (open + this.pending.length > this.limits.maxStanzaBytes) this.tooLarge();
  }

  private bytesOf(text: string): number {
    return this.ascii ? text.length : Buffer.byteLength(text);
  }

  /** Counts bytes of the stanza in progress. */
  private count(bytes: number): void {
    this.stanzaBytes += bytes;
    if (this.stanzaBytes > this.limits.maxStanzaBytes) this.tooLarge();
  }

  private tooLarge(): never {
    throw new StreamViolation('policy-violation', words('xml-stanza-over', { kib: Math.floor(this.limits.maxStanzaBytes / 1024) }));
  }

  private text(raw: string): void {
    if (!this.cursor) {
      // Between stanzas only whitespace (keepalives) may appear.
      if (raw.trim() !== '') throw new StreamViolation('not-well-formed', words('xml-text-outside'));
      return;
    }
    this.count(this.bytesOf(raw));
    checkChars(raw);
    const text = unescapeXml(raw);
    const children = this.cursor.children;
    const last = children.length - 1;
    if (last >= 0 && typeof children[last] === 'string') children[last] += text;
    else children.push(text);
  }

  /** Handles the markup starting at `lt`; returns the position after it, or -1 when it is cut off. */
  private markup(data: string, lt: number): number {
    const next = data.charCodeAt(lt + 1);
    if (Number.isNaN(next)) return -1;
    if (next === 33 /* ! */) return this.bang(data, lt);
    if (next === 63 /* ? */) return this.instruction(data, lt);
    // A name starts right after '<' (or '</'): anything else is not XML, and waiting for a '>'
    // that may never come would leave the stream silent until the keepalive gives up.
    const first = next === 47 /* / */ ? data.charCodeAt(lt + 2) : next;
    if (!Number.isNaN(first) && NOT_NAME_START.test(String.fromCharCode(first))) throw new StreamViolation('not-well-formed', words('xml-no-tag', { start: `<${data.slice(lt + 1, lt + 3)}` }));
    const end = tagEnd(data, lt + 1);
    if (end === -1) return -1;
    const raw = data.slice(lt, end + 1);
    if (this.cursor) this.count(this.bytesOf(raw));
    if (next === 47 /* / */) this.close(raw.slice(2, -1).trim());
    else this.open(raw);
    return end + 1;
  }

  private bang(data: string, lt: number): number {
    const head = data.slice(lt, lt + 9);
    if ('<![CDATA['.startsWith(head) && head.length < 9) return -1;
    if (head !== '<![CDATA[') throw new StreamViolation('restricted-xml', head.startsWith('<!--') ? words('xml-comment') : words('xml-doctype'));
    if (!this.cursor) throw new StreamViolation('not-well-formed', words('xml-cdata-outside'));
    const close = data.indexOf(']]>', lt + 9);
    if (close === -1) return -1;
    const content = data.slice(lt + 9, close);
    this.count(this.bytesOf(content) + 12);
    checkChars(content);
    this.cursor.children.push(content);
    return close + 3;
  }

  private instruction(data: string, lt: number): number {
    // Only the XML declaration, before the stream header.
    const close = data.indexOf('?>', lt + 2);
    if (close === -1) return -1;
    if (this.root || !/^<\?xml\s/.test(data.slice(lt, lt + 6))) throw new StreamViolation('restricted-xml', words('xml-pi'));
    return close + 2;
  }

  private open(raw: string): void {
    const selfClosing = raw.endsWith('/>');
    const inner = raw.slice(1, selfClosing ? -2 : -1);
    NAME_END.lastIndex = 0;
    const nameEnd = NAME_END.exec(inner)?.index ?? inner.length;
    const name = inner.slice(0, nameEnd);
    if (name === '' || /["'=<&]/.test(name)) throw new StreamViolation('not-well-formed', words('xml-no-name'));
    const element = new this.Element(name, readAttributes(inner.slice(nameEnd)));
    if (this.framed && !this.cursor && selfClosing && (name === 'open' || name === 'close') && element.attrs.xmlns === NS_FRAMING) {
      if (name === 'open') {
        this.root = element;
        this.emit('start', element);
      } else {
        this.ended = true;
        this.emit('end', element);
      }
      return;
    }
    if (this.framed && !this.root) throw new StreamViolation('not-well-formed', words('xml-before-open'));
    if (!this.root) {
      if (selfClosing) throw new StreamViolation('not-well-formed', words('xml-empty-stream'));
      this.root = element;
      this.emit('start', element);
      return;
    }
    if (this.cursor) {
      this.depth += 1;
      if (this.depth > this.limits.maxDepth) throw new StreamViolation('policy-violation', words('xml-too-deep', { depth: this.limits.maxDepth }));
      element.parent = this.cursor;
      this.cursor.children.push(element);
    } else {
      // A new top-level element: it inherits the stream's namespace through its parent.
      this.depth = 1;
      this.stanzaBytes = this.bytesOf(raw);
      if (this.stanzaBytes > this.limits.maxStanzaBytes) this.tooLarge();
      element.parent = this.root;
    }
    this.cursor = element;
    if (selfClosing) this.finish(name);
  }

  private close(name: string): void {
    if (!this.cursor) {
      if (this.root && name === this.root.name) {
        this.ended = true;
        this.emit('end', this.root);
        return;
      }
      throw new StreamViolation('not-well-formed', words('xml-closes-nothing', { tag: `</${name.slice(0, 40)}>` }));
    }
    this.finish(name);
  }

  private finish(name: string): void {
    const element = this.cursor;
    if (!element || element.name !== name) throw new StreamViolation('not-well-formed', words('xml-wrong-close', { tag: `</${name.slice(0, 40)}>`, open: `<${element?.name ?? ''}>` }));
    this.depth -= 1;
    if (element.parent === this.root) {
      this.cursor = undefined;
      this.stanzaBytes = 0;
      this.emit('element', element);
    } else {
      this.cursor = element.parent ?? undefined;
    }
  }
}

/** Where the tag opened before `from` ends (its '>'), quotes respected; -1 when not yet arrived. */
function tagEnd(data: string, from: number): number {
  let pos = from;
  for (;;) {
    const gt = data.indexOf('>', pos);
    if (gt === -1) return -1;
    // A '>' inside an attribute value does not end the tag: skip quoted values before it. Only
    // up to this '>' is looked at, so a chunk of many small tags costs one pass, not one per tag.
    let quote = -1;
    for (let i = pos; i < gt; i += 1) {
      const c = data.charCodeAt(i);
      if (c === 34 /* " */ || c === 39 /* ' */) {
        quote = i;
        break;
      }
    }
    if (quote === -1) return gt;
    const closing = data.indexOf(data[quote] as string, quote + 1);
    if (closing === -1) return -1;
    pos = closing + 1;
  }
}

const ATTRIBUTE = /\s*([^\s=/>"']+)\s*=\s*(?:"([^"]*)"|'([^']*)')/y;

function readAttributes(text: string): Record<string, string> {
  const attrs: Record<string, string> = {};
  ATTRIBUTE.lastIndex = 0;
  let pos = 0;
  while (pos < text.length) {
    ATTRIBUTE.lastIndex = pos;
    const match = ATTRIBUTE.exec(text);
    if (!match) {
      if (text.slice(pos).trim() === '') break;
      throw new StreamViolation('not-well-formed', words('xml-bad-attribute'));
    }
    const name = match[1] as string;
    const raw = match[2] ?? match[3] ?? '';
    if (raw.includes('<')) throw new StreamViolation('not-well-formed', words('xml-lt-in-attribute'));
    if (Object.hasOwn(attrs, name)) throw new StreamViolation('not-well-formed', words('xml-attribute-twice', { name: name.slice(0, 40) }));
    checkChars(raw);
    attrs[name] = unescapeXml(raw);
    pos = ATTRIBUTE.lastIndex;
  }
  return attrs;
}
