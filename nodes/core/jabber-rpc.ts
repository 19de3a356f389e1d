// XEP-0009 Jabber-RPC: XML-RPC calls carried in IQ stanzas, both directions.
import { XmppError } from './errors';
import { DEFAULT_CODEC, decodeParams, decodeValue, encodeParams, encodeValue, type CodecOptions, type RpcValue } from './xmlrpc';
import type { Session } from './session';
import type { XmlElement, XmlFactory } from './xmpp-lib';

export const NS_RPC = 'jabber:iq:rpc';
const NS_STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas';

/** XML-RPC fault codes in common use (the xmlrpc-epi "specification for fault code interoperability"). */
export const FAULT = { methodNotFound: -32601, invalidParams: -32602, internal: -32603, timeout: -32000 } as const;

export interface RpcCall {
  method: string;
  params: RpcValue[];
}

export interface RpcFault {
  faultCode: number;
  faultString: string;
}

export type RpcOutcome = { result: RpcValue } | { fault: RpcFault };

export class RpcFaultError extends XmppError {
  constructor(readonly fault: RpcFault) {
    super('rpc-fault', `${fault.faultCode}: ${fault.faultString}`);
  }
}

export function buildCall(xml: XmlFactory, call: { method: string; params: unknown[] }, options: CodecOptions = DEFAULT_CODEC): XmlElement {
  return xml('query', { xmlns: NS_RPC }, xml('methodCall', {}, xml('methodName', {}, call.method), encodeParams(xml, call.params, options)));
}

export function readCall(query: XmlElement): RpcCall {
  const call = query.getChild('methodCall');
  const method = call?.getChildText('methodName')?.trim();
  if (!call || !method) throw new XmppError('invalid-payload', 'no methodCall with a methodName');
  return { method, params: decodeParams(call.getChild('params')) };
}

export function buildOutcome(xml: XmlFactory, outcome: RpcOutcome, options: CodecOptions = DEFAULT_CODEC): XmlElement {
  if ('fault' in outcome) {
    const fault = encodeValue(xml, { faultCode: Math.trunc(outcome.fault.faultCode), faultString: outcome.fault.faultString }, options);
    return xml('query', { xmlns: NS_RPC }, xml('methodResponse', {}, xml('fault', {}, fault)));
  }
  return xml('query', { xmlns: NS_RPC }, xml('methodResponse', {}, encodeParams(xml, [outcome.result], options)));
}

export function readOutcome(query: XmlElement | undefined): RpcOutcome {
  const response = query?.getChild('methodResponse');
  if (!response) throw new XmppError('invalid-payload', 'no methodResponse in the answer');
  const fault = response.getChild('fault')?.getChild('value');
  if (fault) {
    const value = decodeValue(fault);
    const struct = typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date) && !Buffer.isBuffer(value) ? value : {};
    return { fault: { faultCode: Number(struct.faultCode ?? 0), faultString: String(struct.faultString ?? '') } };
  }
  const params = decodeParams(response.getChild('params'));
  return { result: params.length === 0 ? null : (params[0] as RpcValue) };
}

/** Calls `method` on a full JID and resolves with its result; a fault rejects with RpcFaultError. */
export async function callRemote(session: Session, to: string, call: { method: string; params: unknown[] }, timeoutMs: number, options: CodecOptions = DEFAULT_CODEC): Promise<RpcValue> {
  const xml = session.xml;
  if (!xml) throw new XmppError('not-connected');
  const answer = await session.request(xml('iq', { type: 'set', to }, buildCall(xml, call, options)), timeoutMs);
  const outcome = readOutcome(answer.getChild('query', NS_RPC));
  if ('fault' in outcome) throw new RpcFaultError(outcome.fault);
  return outcome.result;
}

/** Who may call: empty allows everyone; otherwise bare JIDs and domains. */
export function callerAllowed(from: string, allowed: readonly string[]): boolean {
  if (allowed.length === 0) return true;
  const bare = from.split('/')[0]?.toLowerCase() ?? '';
  const domain = bare.includes('@') ? bare.slice(bare.indexOf('@') + 1) : bare;
  return allowed.some((entry) => {
    const wanted = entry.trim().toLowerCase();
    return wanted === bare || wanted === domain;
  });
}

/** Answers one method's calls; a thrown error becomes an internal-error fault. */
export type MethodHandler = (call: RpcCall, from: string) => Promise<RpcOutcome>;

interface Registration {
  handler: MethodHandler;
  callers: readonly string[];
  codec: CodecOptions;
}

/**
 * The server side for one session: methods registered by name (the allowlist), each with who
 * may call it. An unknown method is a fault; a caller not allowed gets forbidden (type auth).
 */
export class RpcServer {
  private readonly methods = new Map<string, Registration>();
  private detach: (() => void) | undefined;

  constructor(private readonly options: CodecOptions = DEFAULT_CODEC) {}

  attach(session: Session): () => void {
    this.detach?.();
    const remove = session.handleIq('set', NS_RPC, 'query', (stanza, query) => this.answer(session, stanza, query));
    this.detach = remove;
    return () => {
      remove();
      if (this.detach === remove) this.detach = undefined;
    };
  }

  get serving(): boolean {
    return this.methods.size > 0;
  }

  /** Serves the named methods, answering with `codec` (default: the server's); returns the remover. */
  serve(methods: readonly string[], callers: readonly string[], handler: MethodHandler, codec: CodecOptions = this.options): () => void {
    const registration = { handler, callers, codec };
    for (const method of methods) this.methods.set(method, registration);
    return () => {
      for (const method of methods) if (this.methods.get(method) === registration) this.methods.delete(method);
    };
  }

  private async answer(session: Session, stanza: XmlElement, query: XmlElement): Promise<XmlElement | undefined> {
    const xml = session.xml;
    if (!xml) return undefined;
    const from = stanza.attrs.from ?? '';
    let call: RpcCall;
    try {
      call = readCall(query);
    } catch (error) {
      const text = error instanceof XmppError ? error.detail : 'unreadable call';
      return buildOutcome(xml, { fault: { faultCode: FAULT.invalidParams, faultString: text } }, this.options);
    }
    const registration = this.methods.get(call.method);
    if (registration && !callerAllowed(from, registration.callers)) {
      return xml('error', { type: 'auth' }, xml('forbidden', { xmlns: NS_STANZAS }));
    }
    if (!registration) {
      return buildOutcome(xml, { fault: { faultCode: FAULT.methodNotFound, faultString: `no method ${call.method}` } }, this.options);
    }
    let outcome: RpcOutcome;
    try {
      outcome = await registration.handler(call, from);
    } catch (error) {
      outcome = { fault: { faultCode: FAULT.internal, faultString: error instanceof Error ? error.message : String(error) } };
    }
    try {
      return buildOutcome(xml, outcome, registration.codec);
    } catch (error) {
      // A result we cannot encode (an integer beyond 32 bits, or null with nil off) is a fault, not silence.
      return buildOutcome(xml, { fault: { faultCode: FAULT.internal, faultString: error instanceof XmppError ? error.detail : 'result cannot be encoded' } }, registration.codec);
    }
  }
}
