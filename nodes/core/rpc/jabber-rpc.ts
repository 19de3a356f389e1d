// XEP-0009 Jabber-RPC: XML-RPC calls carried in IQ stanzas, both directions.
import { callerAllowed, type CallerAccess } from '../caller-access';
import { XmppError } from '../errors';
import { errorReply, replyTooLarge } from '../iq/iq-reply';
import { DEFAULT_PENDING_LIMITS, PendingLimit, type PendingLimits, type RefusalReport } from '../pending-limit';
import { FAULT, FAULT_TEXT } from './rpc-faults';
import type { IqAnswer, Session } from '../session/session';
import { DEFAULT_CODEC, decodeParams, decodeValue, encodeParams, encodeValue, type CodecOptions, type RpcValue } from './xmlrpc';
import type { XmlElement, XmlFactory } from '../xmpp-lib';

export const NS_RPC = 'jabber:iq:rpc';
export { FAULT, FAULT_TEXT };

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

/** Reads a call as sent: the method name is not trimmed, so " echo " is not echo. */
export function readCall(query: XmlElement): RpcCall {
  const call = query.getChild('methodCall');
  const method = call?.getChildText('methodName');
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

/**
 * Answers one served call, once: returns the error when the outcome cannot be sent (a value XML
 * cannot carry, an answer over the size limit); the caller then gets fault -32603 instead.
 */
export type RpcRespond = (outcome: RpcOutcome) => XmppError | undefined;

/** Takes one call; must end with respond() (a throw answers an internal-error fault). */
export type MethodHandler = (call: RpcCall, from: string, respond: RpcRespond) => void;

export interface ServeOptions {
  /** How answers are written (default: the server's). */
  codec?: CodecOptions;
  /** Calls waiting for an answer at once, per caller and in total. */
  limits?: PendingLimits;
  /** Hears of refusals by the limits: the first of a burst, then counts. */
  onRefused?: RefusalReport;
}

interface Registration {
  handler: MethodHandler;
  access: CallerAccess;
  codec: CodecOptions;
  limit: PendingLimit;
}

/**
 * The server side for one session: methods registered by name (the allowlist), each with who
 * may call it. A caller no registration lets in gets forbidden (type auth) whatever it asks, so
 * a stranger cannot tell which methods exist; an allowed caller gets a fault for an unknown
 * method. Each registration bounds the calls waiting for its answers (beyond: resource-constraint).
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

  /** Serves the named methods to the callers `access` lets in; returns the remover. */
  serve(methods: readonly string[], access: CallerAccess, handler: MethodHandler, options: ServeOptions = {}): () => void {
    const registration: Registration = {
      handler,
      access,
      codec: options.codec ?? this.options,
      limit: new PendingLimit(options.limits ?? DEFAULT_PENDING_LIMITS, options.onRefused),
    };
    for (const method of methods) this.methods.set(method, registration);
    return () => {
      for (const method of methods) if (this.methods.get(method) === registration) this.methods.delete(method);
      registration.limit.close();
    };
  }

  /** Whether some registration lets `from` in (anything else is refused before reading the call). */
  private letsIn(from: string): boolean {
    for (const registration of new Set(this.methods.values())) if (callerAllowed(from, registration.access)) return true;
    return false;
  }

  private answer(session: Session, stanza: XmlElement, query: XmlElement): IqAnswer | Promise<IqAnswer> {
    const xml = session.xml;
    if (!xml) return undefined;
    const from = stanza.attrs.from ?? '';
    // With nothing served there is nothing to hide: the fault below says no such method.
    if (this.serving && !this.letsIn(from)) return errorReply(xml, 'auth', 'forbidden');
    let call: RpcCall;
    try {
      call = readCall(query);
    } catch {
      return buildOutcome(xml, { fault: { faultCode: FAULT.invalidParams, faultString: FAULT_TEXT.unreadableCall } }, this.options);
    }
    const registration = this.methods.get(call.method);
    if (!registration) return buildOutcome(xml, { fault: { faultCode: FAULT.methodNotFound, faultString: FAULT_TEXT.noSuchMethod } }, this.options);
    if (!callerAllowed(from, registration.access)) return errorReply(xml, 'auth', 'forbidden');
    const release = registration.limit.enter(from);
    // Answered at once, without the flow: the caller may try again later (type wait).
    if (!release) return errorReply(xml, 'wait', 'resource-constraint');
    const limit = session.maxStanzaBytes;
    return new Promise<IqAnswer>((resolve) => {
      let answered = false;
      const respond: RpcRespond = (outcome) => {
        if (answered) return undefined;
        answered = true;
        release();
        const { element, error } = encodeAnswer(xml, stanza, outcome, registration.codec, limit);
        resolve(element);
        return error;
      };
      try {
        registration.handler(call, from, respond);
      } catch {
        respond({ fault: { faultCode: FAULT.internal, faultString: FAULT_TEXT.handlerFailed } });
      }
    });
  }
}

/**
 * The outcome as the answer's child, checked before it is queued: a value XML-RPC or XML cannot
 * carry, or an answer over the size limit, becomes fault -32603 and comes back as the error.
 */
function encodeAnswer(xml: XmlFactory, request: XmlElement, outcome: RpcOutcome, codec: CodecOptions, limit: number): { element: XmlElement; error?: XmppError } {
  try {
    const element = buildOutcome(xml, outcome, codec);
    const tooLarge = replyTooLarge(xml, request, element, limit);
    if (tooLarge) throw tooLarge;
    return { element };
  } catch (caught) {
    const error = caught instanceof XmppError ? caught : new XmppError('invalid-payload', 'the result cannot be encoded');
    return { element: buildOutcome(xml, { fault: { faultCode: FAULT.internal, faultString: FAULT_TEXT.unsendable(error.detail || error.code) } }, codec), error };
  }
}
