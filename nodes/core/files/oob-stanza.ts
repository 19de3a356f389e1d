// XEP-0066 out-of-band data in a message: a link to a file, and what the file is. Clients show
// the file inline when the message's body is exactly this link.
import { NS_OOB } from '../namespaces';
import { cleanXmlText } from '../xml-text';
import type { XmlElement, XmlFactory } from '../xmpp-lib';

export interface Oob {
  url: string;
  /** The sender's description of the file (a caption), when given. */
  desc?: string | undefined;
}

/** The message's out-of-band link; undefined when it has none (or an empty one). */
export function readOob(message: XmlElement): Oob | undefined {
  const x = message.getChild('x', NS_OOB);
  const url = x?.getChildText('url')?.trim();
  if (!x || !url) return undefined;
  const desc = x.getChildText('desc') ?? '';
  return { url, desc: desc === '' ? undefined : desc };
}

export function buildOob(xml: XmlFactory, oob: Oob): XmlElement {
  const desc = oob.desc === undefined ? '' : cleanXmlText(oob.desc);
  return xml('x', { xmlns: NS_OOB }, xml('url', {}, cleanXmlText(oob.url)), desc ? xml('desc', {}, desc) : undefined);
}
