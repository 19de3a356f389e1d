// What the presence gate keeps of a msg it holds: only what sending it on needs, never the rest
// of the msg (an API key, an HTTP request), because held messages go to the context store.
import type { NodeMessage } from 'node-red';

/**
 * The msg properties xmpp-out reads to send a message (nodes/lib/message-msg.ts), and _msgid.
 * Anything else a flow put on the msg is left behind.
 */
export const KEPT_PROPERTIES = ['_msgid', 'payload', 'to', 'topic', 'subject', 'thread', 'type'] as const;

export type KeptMsg = NodeMessage & Partial<Record<(typeof KEPT_PROPERTIES)[number], unknown>>;

/**
 * A JSON copy of the kept properties (a Buffer payload becomes {type, data}); properties that
 * are undefined stay away. Throws when the payload cannot be written as JSON (a cycle, a BigInt).
 */
export function keptMsg(msg: object): KeptMsg {
  const source = msg as Record<string, unknown>;
  const kept: Record<string, unknown> = {};
  for (const name of KEPT_PROPERTIES) if (source[name] !== undefined) kept[name] = source[name];
  return JSON.parse(JSON.stringify(kept)) as KeptMsg;
}
