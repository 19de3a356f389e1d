// Remote procedure calls over XMPP (XEP-0009 Jabber-RPC), both ways: calling others' methods,
// and serving the flow's. While anything is served, disco says so (jabber:iq:rpc, automation/rpc).
import { NS_RPC } from '../namespaces';
import type { ClientPort } from '../port';
import type { CallerAccess } from '../caller-access';
import type { Disco } from '../disco/disco';
import { RpcServer, type MethodHandler, type ServeOptions } from './rpc-server';
import { buildCall, readOutcome, RpcFaultError } from './rpc-stanza';
import { DEFAULT_CODEC, type CodecOptions, type RpcValue } from './xmlrpc';

export class Rpc {
  private readonly server: RpcServer;

  constructor(
    private readonly port: Pick<ClientPort, 'xml' | 'request' | 'maxStanzaBytes' | 'handleIq'>,
    private readonly disco: Pick<Disco, 'addFeature' | 'addIdentity'>,
  ) {
    this.server = new RpcServer(port);
  }

  /** Calls `method` on a full JID and resolves with its result; a fault rejects with RpcFaultError (.fault). */
  async call(to: string, method: string, params: unknown[], timeoutMs: number, codec: CodecOptions = DEFAULT_CODEC): Promise<RpcValue> {
    const xml = this.port.xml;
    const answer = await this.port.request(xml('iq', { type: 'set', to }, buildCall(xml, { method, params }, codec)), timeoutMs);
    const outcome = readOutcome(answer.getChild('query', NS_RPC));
    if ('fault' in outcome) throw new RpcFaultError(outcome.fault);
    return outcome.result;
  }

  /**
   * Serves methods (an allowlist) to the callers `access` lets in (listed bare JIDs or domains, or
   * anyone), with at most `options.limits` calls waiting at once. Returns the remover.
   */
  serve(methods: readonly string[], access: CallerAccess, handler: MethodHandler, options?: ServeOptions): () => void {
    const removers = [this.server.serve(methods, access, handler, options), this.disco.addFeature(NS_RPC), this.disco.addIdentity({ category: 'automation', type: 'rpc' })];
    return () => {
      for (const remove of removers) remove();
    };
  }
}
