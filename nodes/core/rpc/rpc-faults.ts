// Every XML-RPC fault we send to a caller, in one table: codes from the xmlrpc-epi "specification
// for fault code interoperability", texts in English (they go to other programs, not to users).
// No text repeats what the caller sent: an answer must never grow with the request.

/** XML-RPC fault codes in common use. */
export const FAULT = { methodNotFound: -32601, invalidParams: -32602, internal: -32603, application: -32500, timeout: -32000 } as const;

const MAX_DETAIL = 200;

function short(detail: string): string {
  return detail.length > MAX_DETAIL ? `${detail.slice(0, MAX_DETAIL - 1)}…` : detail;
}

export const FAULT_TEXT = {
  noSuchMethod: 'no such method',
  unreadableCall: 'the call cannot be read (a methodCall with a methodName and typed params is expected)',
  handlerFailed: 'the method failed',
  invalidFault: 'the flow gave an invalid fault',
  servingStopped: 'the serving node was stopped',
  noReply: (seconds: number): string => `no reply from the flow within ${seconds} s`,
  /** The flow's result (or fault) cannot go out: `why` is our own text, never the caller's. */
  unsendable: (why: string): string => `the result cannot be sent: ${short(why)}`,
} as const;
