// Every XML-RPC fault we send to a caller, in one table: codes from the xmlrpc-epi "specification
// for fault code interoperability", texts in English (they go to other programs, not to users).
// No text repeats what the caller sent: an answer must never grow with the request.
import { detailCode, type Words, type WordsValue } from '../words';


/** XML-RPC fault codes in common use. */
export const FAULT = { methodNotFound: -32601, invalidParams: -32602, internal: -32603, application: -32500, timeout: -32000 } as const;

const MAX_DETAIL = 200;

function short(detail: string): string {
  return detail.length > MAX_DETAIL ? `${detail.slice(0, MAX_DETAIL - 1)}…` : detail;
}

/**
 * Why a result cannot be sent, in English for the caller, by the key of the error's words (the
 * flow gets the same in its own language from the locales). Keys not here go out as their code.
 */
const UNSENDABLE: Readonly<Record<string, (data: Readonly<Record<string, WordsValue>>) => string>> = {
  'rpc-null': () => 'null has no XML-RPC form (the nil extension is off)',
  'rpc-no-form': (d) => `${plain(d.value)} has no XML-RPC form`,
  'rpc-int-range': (d) => `${plain(d.value)} does not fit an XML-RPC int (32 bits)`,
  'rpc-bigint-range': (d) => `${plain(d.value)} does not fit an XML-RPC int (32 bits)`,
  'rpc-string-char': (d) => `a string has ${plain(d.char)}, a character XML cannot carry`,
  'rpc-member-char': (d) => `a struct member name has ${plain(d.char)}, a character XML cannot carry`,
  'rpc-invalid-date': () => 'an invalid Date',
  'rpc-circular': () => 'a circular structure',
  'rpc-type-no-form': (d) => `a ${plain(d.type)} has no XML-RPC form`,
  'rpc-unencodable': () => 'the result cannot be encoded',
  'xml-cannot-carry': (d) => `the character ${plain(d.char)}, which XML cannot carry`,
  'size-limit': (d) => `${plain(d.kib)} KiB, limit ${plain(d.limit)} KiB`,
  'char-at': (d) => `${plain(d.char)} at position ${plain(d.position)}`,
};

function plain(value: WordsValue | undefined): string {
  if (value === undefined) return '';
  if (typeof value !== 'object') return String(value);
  const english = UNSENDABLE[value.key];
  return english ? english(value.data) : detailCode(value);
}

/** The reason for `unsendable`: the error's words in English when the table has them, else its code and data. */
export function unsendableWhy(error: { readonly code: string; readonly detail: string; readonly words?: Words | undefined }): string {
  const english = error.words ? UNSENDABLE[error.words.key] : undefined;
  return english && error.words ? english(error.words.data) : error.detail || error.code;
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
