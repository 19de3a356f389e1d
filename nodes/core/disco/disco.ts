// Service discovery (XEP-0030, with XEP-0115 capabilities and XEP-0092 version): what we say about
// ourselves, and what we ask others.
import type { ClientPort } from '../port';
import type { Presence } from '../presence/own-presence';
import { DiscoClient } from './disco-client';
import { SelfDescription, type NodeAnswerer, type NodeAnswering, type SelfDescriptionSettings } from './self-description';
import type { Identity } from './disco-stanza';

export class Disco extends DiscoClient {
  private readonly self: SelfDescription;

  constructor(port: Pick<ClientPort, 'xml' | 'request' | 'maxStanzaBytes' | 'handleIq'>, presence: Pick<Presence, 'decorate' | 'refresh'>, settings: SelfDescriptionSettings) {
    super(port);
    this.self = new SelfDescription(port, presence, settings);
  }

  /** Announces a feature in our disco#info and capabilities while the returned function is not called. */
  addFeature(feature: string): () => void {
    return this.self.addFeature(feature);
  }

  /** Announces an identity (automation/rpc while an RPC server runs, say) until removed. */
  addIdentity(identity: Identity): () => void {
    return this.self.addIdentity(identity);
  }

  /** Lets a flow answer disco queries for one node name, to those `options.access` lets in; returns the remover. */
  answerNode(node: string, answerer: NodeAnswerer, options: NodeAnswering): () => void {
    return this.self.answerNode(node, answerer, options);
  }

  /** Our own disco#info, as we answer it. */
  ownInfo(): ReturnType<SelfDescription['info']> {
    return this.self.info();
  }
}
