// iq-rpc msgs: what a call asks (msg fields over the node's fields), what the flow replies to a
// call it serves, and what a raw IQ request sends. Nothing here evaluates anything: values are
// only read and checked.
import { MsgError } from './node-error';
import { formatJid, parseJid } from '../core/jid';
import type { ElementSpec } from '../core/iq/raw-iq';
import type { RpcFault, RpcOutcome } from '../core/rpc/rpc-stanza';
import { FAULT, FAULT_TEXT } from '../core/rpc/rpc-faults';
import type { RpcValue } from '../core/rpc/xmlrpc';
import { listOf, present, text, timeoutMs } from './msg-fields';
import { words, type Detail } from '../core/words';

export const DEFAULT_TIMEOUT_S = 10;
/** The fault a call gets when the flow does not reply in time. */
export const NO_REPLY_FAULT_CODE = FAULT.timeout;
/** The fault code for msg.fault given as plain text ("application error" in the interop list). */
export const APPLICATION_FAULT_CODE = FAULT.application;

export type RpcMsgErrorCode = 'no-method' | 'invalid-method' | 'no-target' | 'bare-jid' | 'invalid-jid' | 'invalid-timeout' | 'no-child' | 'invalid-child' | 'invalid-iq-type' | 'invalid-fault';

/** A msg that cannot be turned into a call, a reply or a request; `code` is a locale key under iq-rpc.error. */
export class RpcMsgError extends MsgError {
  declare readonly code: RpcMsgErrorCode;

  constructor(code: RpcMsgErrorCode, detail: Detail = '') {
    super('iq-rpc', code, detail);
    this.name = 'RpcMsgError';
  }
}

/** The timeout in ms: msg.timeout (s) over the node's field (s) over 10 s. */
export function timeoutOf(msgValue: unknown, fieldValue: unknown): number {
  return timeoutMs(msgValue, fieldValue, DEFAULT_TIMEOUT_S, (given) => new RpcMsgError('invalid-timeout', given));
}

export { listOf };

/** The params of a call: an array as is, nothing as none, any other value as the only param. */
export function paramsOf(payload: unknown): unknown[] {
  if (payload === undefined) return [];
  return Array.isArray(payload) ? payload : [payload];
}

/**
 * Where a call goes. XEP-0009 calls go to an entity that answers IQs: a full JID (user@host/resource)
 * or a service (host, rpc.host); a bare user JID (user@host) is refused, as its server would answer
 * for the account instead of a client.
 */
export function rpcTarget(value: string): string {
  let jid;
  try {
    jid = parseJid(value);
  } catch {
    throw new RpcMsgError('invalid-jid', value);
  }
  if (jid.local !== '' && jid.resource === '') throw new RpcMsgError('bare-jid', value);
  return formatJid(jid);
}

export interface CallDefaults {
  method: string;
  to: string;
  timeout: string | number;
}

export interface CallRequest {
  to: string;
  method: string;
  params: unknown[];
  timeoutMs: number;
}

const METHOD_NAME = /^[A-Za-z0-9_.:/-]+$/;

/** Reads a call: msg.method / msg.to / msg.timeout over the node's fields; msg.payload = params. */
export function readCallMsg(msg: Record<string, unknown>, defaults: CallDefaults): CallRequest {
  const methodValue = present(msg.method) ? msg.method : text(defaults.method);
  if (methodValue === undefined) throw new RpcMsgError('no-method');
  if (typeof methodValue !== 'string' || !METHOD_NAME.test(methodValue.trim())) throw new RpcMsgError('invalid-method', String(methodValue));
  const toValue = present(msg.to) ? msg.to : text(defaults.to);
  if (toValue === undefined) throw new RpcMsgError('no-target');
  if (typeof toValue !== 'string') throw new RpcMsgError('invalid-jid', String(toValue));
  return { to: rpcTarget(toValue), method: methodValue.trim(), params: paramsOf(msg.payload), timeoutMs: timeoutOf(msg.timeout, defaults.timeout) };
}

/** The flow's reply to a served call: msg.fault ({faultCode, faultString} or text) or msg.payload as the result. */
export function readReply(msg: Record<string, unknown>): RpcOutcome {
  const fault = msg.fault;
  if (present(fault) && fault !== false) {
    if (typeof fault === 'string') return { fault: { faultCode: APPLICATION_FAULT_CODE, faultString: fault } };
    if (typeof fault === 'object' && fault !== null && !Array.isArray(fault)) {
      const given = fault as Record<string, unknown>;
      const code = typeof given.faultCode === 'number' ? given.faultCode : Number(given.faultCode ?? APPLICATION_FAULT_CODE);
      if (!Number.isInteger(code)) throw new RpcMsgError('invalid-fault', String(given.faultCode));
      const faultString = typeof given.faultString === 'string' ? given.faultString : String(given.faultString ?? '');
      return { fault: { faultCode: code, faultString } };
    }
    throw new RpcMsgError('invalid-fault', typeof fault);
  }
  return { result: (msg.payload ?? null) as RpcValue };
}

export function noReplyFault(seconds: number): RpcFault {
  return { faultCode: NO_REPLY_FAULT_CODE, faultString: FAULT_TEXT.noReply(seconds) };
}

export interface RawDefaults {
  to: string;
  iqType: string;
  xml: string;
  timeout: string | number;
}

export interface RawRequest {
  to: string | undefined;
  type: 'get' | 'set';
  child: string | ElementSpec;
  timeoutMs: number;
}

/** Reads a raw IQ request: msg.payload (XML text or {name, xmlns, attrs}) over the node's XML; msg.to over the node's JID (none: our server). */
export function readRawMsg(msg: Record<string, unknown>, defaults: RawDefaults): RawRequest {
  const typeValue = present(msg.iqType) ? msg.iqType : text(defaults.iqType) ?? 'get';
  if (typeValue !== 'get' && typeValue !== 'set') throw new RpcMsgError('invalid-iq-type', String(typeValue));
  let child: string | ElementSpec;
  const payload = msg.payload;
  if (typeof payload === 'string' && payload.trim().startsWith('<')) child = payload;
  else if (typeof payload === 'object' && payload !== null && !Array.isArray(payload) && !Buffer.isBuffer(payload)) {
    const spec = payload as Record<string, unknown>;
    if (typeof spec.name !== 'string' || typeof spec.xmlns !== 'string' || spec.name === '' || spec.xmlns === '') throw new RpcMsgError('invalid-child', words('iq-element-name'));
    const attrs: Record<string, string> = {};
    if (spec.attrs !== undefined) {
      if (typeof spec.attrs !== 'object' || spec.attrs === null) throw new RpcMsgError('invalid-child', words('iq-attrs'));
      for (const [key, value] of Object.entries(spec.attrs as Record<string, unknown>)) if (value !== undefined && value !== null) attrs[key] = String(value);
    }
    child = { name: spec.name, xmlns: spec.xmlns, attrs };
  } else {
    const field = text(defaults.xml);
    if (field === undefined) throw new RpcMsgError('no-child');
    child = field;
  }
  const toValue = present(msg.to) ? msg.to : text(defaults.to);
  let to: string | undefined;
  if (toValue !== undefined) {
    if (typeof toValue !== 'string') throw new RpcMsgError('invalid-jid', String(toValue));
    try {
      to = formatJid(parseJid(toValue));
    } catch {
      throw new RpcMsgError('invalid-jid', toValue);
    }
  }
  return { to, type: typeValue, child, timeoutMs: timeoutOf(msg.timeout, defaults.timeout) };
}
