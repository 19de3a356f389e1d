// xmpp.js's middleware, skipped where all it does is stream management's bookkeeping. The
// middleware builds a context for every element in and out, parsing two JIDs with an escaping
// check each time, then runs its chain of handlers (promises included): 12 % of the CPU time of
// sending a message from a flow, and as much of receiving one (profiled). Out, stream
// management's filter is the only one: when it is the only listener of 'send', we detach it and
// do what it did (note <enable/>, queue each stanza as unacknowledged with its time stamp).
// In, a message or presence stanza only gets counted by stream management (the other handlers
// are for IQs, and for <r/> and <a/>): we count it and skip the chain; everything else goes
// through it as before. Asking for acknowledgements stays with sm-gate.ts.
import { NS_SM } from '../namespaces';
import type { Client, XmlElement } from '../xmpp-lib';

const STANZAS = new Set(['message', 'presence', 'iq']);

/** Detaches xmpp.js's outgoing middleware when stream management's filter is all it runs; false when it cannot tell. */
export function detachOutgoingMiddleware(client: Client): boolean {
  const listeners = client.listeners('send');
  const [only] = listeners;
  if (listeners.length !== 1 || typeof only !== 'function' || !Array.isArray(client.streamManagement?.outbound_q)) return false;
  client.off('send', only as (...args: unknown[]) => void);
  return true;
}

let stampSecond = -1;
let stampText = '';

/** XEP-0082 date and time to the second, as xmpp.js stamps its queue (computed once a second). */
function stampNow(): string {
  const second = Math.floor(Date.now() / 1000);
  if (second !== stampSecond) {
    stampSecond = second;
    stampText = new Date(second * 1000).toISOString().slice(0, 19) + 'Z';
  }
  return stampText;
}

/**
 * Lets message and presence stanzas skip xmpp.js's incoming middleware, counting them for stream
 * management as its handler would; false (and nothing changed) when the middleware is not the
 * one listener of 'element'. Call it right after creating the client, so the order stays.
 */
export function bypassIncomingMiddleware(client: Client): boolean {
  const listeners = client.listeners('element');
  const [only] = listeners;
  if (listeners.length !== 1 || typeof only !== 'function' || typeof client.streamManagement?.inbound !== 'number') return false;
  const middleware = only as (element: XmlElement) => unknown;
  client.off('element', middleware);
  client.on('element', (element: XmlElement) => {
    if (element.name === 'message' || element.name === 'presence') {
      // XEP-0198: every stanza received counts (xmpp.js counts before <enabled/> too, and resets then).
      client.streamManagement.inbound += 1;
      return;
    }
    middleware(element);
  });
  return true;
}

/** What stream management's outgoing filter did with a stanza written. */
export function recordSent(client: Client, stanza: XmlElement): void {
  const sm = client.streamManagement;
  if (stanza.name === 'enable' && stanza.attrs.xmlns === NS_SM) sm.enableSent = true;
  if (!sm.enabled && !sm.enableSent) return;
  if (!STANZAS.has(stanza.name)) return;
  sm.outbound_q.push({ stanza, stamp: stampNow() });
}
