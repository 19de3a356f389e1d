// IQ requests for protocols we have no node for: the flow gives the child element (as XML text,
// or by name, namespace and attributes), and gets the answer as XML text and as a plain object
// (headstock's idea: address anything by element name and namespace).
import { XmppError } from '../errors';
import type { ClientPort } from '../port';
import { xmppLib, type XmlElement } from '../xmpp-lib';
import { words } from '../words';

export interface ElementSpec {
  name: string;
  xmlns: string;
  attrs?: Record<string, string> | undefined;
}

/** An element as a plain object: name, attributes, child elements and text. */
export interface PlainElement {
  name: string;
  attrs: Record<string, string>;
  children: PlainElement[];
  text: string;
}

export function toPlain(el: XmlElement): PlainElement {
  const attrs: Record<string, string> = {};
  for (const [key, value] of Object.entries(el.attrs)) if (value !== undefined) attrs[key] = value;
  return { name: el.name, attrs, children: el.getChildElements().map(toPlain), text: el.getText() };
}

/** Reads the child the flow gave: XML text (one element, with its xmlns) or a name + namespace. */
export function childElement(given: string | ElementSpec): XmlElement {
  const lib = xmppLib();
  if (typeof given === 'string') {
    let el: XmlElement;
    try {
      el = lib.parse(given.trim());
    } catch (error) {
      throw new XmppError('invalid-payload', words('iq-xml-unparsable', { reason: error instanceof Error ? error.message : '' }));
    }
    if (!el || !el.attrs.xmlns) throw new XmppError('invalid-payload', words('iq-child-xmlns'));
    return el;
  }
  if (!given.name || !given.xmlns) throw new XmppError('invalid-payload', words('iq-element-name'));
  return lib.xml(given.name, { ...given.attrs, xmlns: given.xmlns });
}

export interface RawAnswer {
  /** The answer's child element as XML text ('' for an empty result). */
  xml: string;
  /** The same as a plain object (undefined for an empty result). */
  element: PlainElement | undefined;
  /** The whole IQ as XML text. */
  stanza: string;
}

export class RawIq {
  constructor(private readonly port: Pick<ClientPort, 'xml' | 'request'>) {}

  /** An IQ get or set with the given child to `to` (undefined: our own account). */
  async request(to: string | undefined, type: 'get' | 'set', child: string | ElementSpec, timeoutMs: number): Promise<RawAnswer> {
    const answer = await this.port.request(this.port.xml('iq', { type, to }, childElement(child)), timeoutMs);
    const first = answer.getChildElements()[0];
    return { xml: first ? first.toString() : '', element: first ? toPlain(first) : undefined, stanza: answer.toString() };
  }
}
