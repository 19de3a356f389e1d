// XEP-0009 Jabber-RPC stanzas: XML-RPC calls and their outcomes carried in IQs ↔ plain objects.
import { XmppError } from '../errors';
import { NS_RPC } from '../namespaces';
import { DEFAULT_CODEC, decodeParams, decodeValue, encodeParams, encodeValue, type CodecOptions, type RpcValue } from './xmlrpc';
import type { XmlElement, XmlFactory } from '../xmpp-lib';
import { words } from '../words';

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
  if (!call || !method) throw new XmppError('invalid-payload', words('rpc-no-call'));
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
  if (!response) throw new XmppError('invalid-payload', words('rpc-no-response'));
  const fault = response.getChild('fault')?.getChild('value');
  if (fault) {
    const value = decodeValue(fault);
    const struct = typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date) && !Buffer.isBuffer(value) ? value : {};
    return { fault: { faultCode: Number(struct.faultCode ?? 0), faultString: String(struct.faultString ?? '') } };
  }
  const params = decodeParams(response.getChild('params'));
  return { result: params.length === 0 ? null : (params[0] as RpcValue) };
}
