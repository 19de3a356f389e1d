// Elements a core module adds to a message it prepared (OMEMO's <encrypted> and its hints): opaque
// to lib and the nodes, which only pass the prepared message on to be sent.
import type { XmlElement } from '../xmpp-lib';

export class MessageExtension {
  constructor(readonly elements: readonly XmlElement[]) {}
}
