// Serving XEP-0009 Jabber-RPC: methods on an allowlist, each to the callers its node lets in,
// with bounds on what waits for the flow's answers.
import { callerAllowed, type CallerAccess } from '../caller-access';
import { XmppError } from '../errors';
import { answerOnce } from '../iq/flow-answer';
import { answerTooLarge, type IncomingIq, type IqAnswer } from '../iq/iq-responder';
import { NS_RPC } from '../namespaces';
import { DEFAULT_PENDING_LIMITS, PendingLimit, type PendingLimits, type RefusalReport } from '../pending-limit';
import type { ClientPort } from '../port';
import { errorElement } from '../stanza-error';
import type { XmlElement, XmlFactory } from '../xmpp-lib';
import { FAULT, FAULT_TEXT, unsendableWhy } from './rpc-faults';
import { buildOutcome, readCall, type RpcCall, type RpcOutcome } from './rpc-stanza';
import { DEFAULT_CODEC, type CodecOptions } from './xmlrpc';
import { words } from '../words';

export type RpcServerPort = Pick<ClientPort, 'xml' | 'maxStanzaBytes' | 'handleIq'>;

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

  constructor(
    private readonly port: RpcServerPort,
    private readonly options: CodecOptions = DEFAULT_CODEC,
  ) {
    port.handleIq('set', NS_RPC, 'query', (iq) => this.answer(iq));
  }

  private get serving(): boolean {
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

  private answer(iq: IncomingIq): IqAnswer | Promise<IqAnswer> {
    const xml = this.port.xml;
    const from = iq.from;
    // With nothing served there is nothing to hide: the fault below says no such method.
    if (this.serving && !this.letsIn(from)) return errorElement(xml, 'auth', 'forbidden');
    let call: RpcCall;
    try {
      call = readCall(iq.child);
    } catch {
      return buildOutcome(xml, { fault: { faultCode: FAULT.invalidParams, faultString: FAULT_TEXT.unreadableCall } }, this.options);
    }
    const registration = this.methods.get(call.method);
    if (!registration) return buildOutcome(xml, { fault: { faultCode: FAULT.methodNotFound, faultString: FAULT_TEXT.noSuchMethod } }, this.options);
    if (!callerAllowed(from, registration.access)) return errorElement(xml, 'auth', 'forbidden');
    const release = registration.limit.enter(from);
    // Answered at once, without the flow: the caller may try again later (type wait).
    if (!release) return errorElement(xml, 'wait', 'resource-constraint');
    const limit = this.port.maxStanzaBytes;
    return answerOnce<RpcOutcome>(
      release,
      (outcome) => encodeAnswer(xml, iq, outcome, registration.codec, limit),
      (respond) => registration.handler(call, from, respond),
      { fault: { faultCode: FAULT.internal, faultString: FAULT_TEXT.handlerFailed } },
    );
  }
}

/**
 * The outcome as the answer's child, checked before it is queued: a value XML-RPC or XML cannot
 * carry, or an answer over the size limit, becomes fault -32603 and comes back as the error.
 */
function encodeAnswer(xml: XmlFactory, request: IncomingIq, outcome: RpcOutcome, codec: CodecOptions, limit: number): { element: XmlElement; error?: XmppError } {
  try {
    const element = buildOutcome(xml, outcome, codec);
    const tooLarge = answerTooLarge(xml, request, element, limit);
    if (tooLarge) throw tooLarge;
    return { element };
  } catch (caught) {
    const error = caught instanceof XmppError ? caught : new XmppError('invalid-payload', words('rpc-unencodable'));
    return { element: buildOutcome(xml, { fault: { faultCode: FAULT.internal, faultString: FAULT_TEXT.unsendable(unsendableWhy(error)) } }, codec), error };
  }
}
