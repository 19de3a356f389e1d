// Each incoming stanza is handed once to whoever subscribed to its kind. A throwing
// subscriber is reported, never allowed to reach the socket's data path.
import type { XmlElement } from '../xmpp-lib';

export type StanzaKind = 'message' | 'presence' | 'iq';
export type StanzaHandler = (stanza: XmlElement) => void;

export class Dispatcher {
  private readonly handlers = new Map<StanzaKind, Set<StanzaHandler>>();

  constructor(private readonly onHandlerError: (error: unknown) => void) {}

  /** Returns the function that removes this subscription. */
  subscribe(kind: StanzaKind, handler: StanzaHandler): () => void {
    let set = this.handlers.get(kind);
    if (!set) {
      set = new Set();
      this.handlers.set(kind, set);
    }
    set.add(handler);
    return () => {
      set.delete(handler);
    };
  }

  count(kind?: StanzaKind): number {
    if (kind) return this.handlers.get(kind)?.size ?? 0;
    let total = 0;
    for (const set of this.handlers.values()) total += set.size;
    return total;
  }

  dispatch(stanza: XmlElement): void {
    const set = this.handlers.get(stanza.name as StanzaKind);
    if (!set) return;
    for (const handler of [...set]) {
      try {
        handler(stanza);
      } catch (error) {
        this.onHandlerError(error);
      }
    }
  }
}
