// The one gate every stanza we write passes: serialized once, refused when it has a character
// XML 1.0 forbids or is larger than the server takes. Either would make the server end the
// stream, and stream management would then send the same stanza again after every reconnect.
import { XmppError } from '../errors';
import { errorElement, type ErrorType } from '../stanza-error';
import { firstForbiddenXmlChar } from '../xml-text';
import type { Client, XmlElement, XmlFactory } from '../xmpp-lib';
import { words } from '../words';


export interface Passed {
  /** The stanza as it goes on the wire. */
  text: string;
  bytes: number;
}

/** Serializes the stanza and checks it; throws XmppError 'too-large' or 'invalid-payload'. */
export function pass(stanza: XmlElement, maxBytes: number): Passed {
  const text = stanza.toString();
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > maxBytes) throw new XmppError('too-large', words('size-limit', { kib: Math.ceil(bytes / 1024), limit: Math.floor(maxBytes / 1024) }));
  // Escaping leaves these characters as they are, so the serialized text shows every one.
  const forbidden = firstForbiddenXmlChar(text);
  if (forbidden) throw new XmppError('invalid-payload', words('xml-cannot-carry', { char: forbidden }));
  return { text, bytes };
}

/**
 * Writes a stanza that passed the gate, as xmpp.js's own send() does, without serializing it
 * a second time: 'send' is what stream management counts and queues.
 */
export async function writePassed(client: Client, stanza: XmlElement, passed: Passed): Promise<void> {
  await writeRun(client, [{ stanza, passed }]);
}

/** Clients whose transport frames each element on its own (WebSocket, RFC 7395). */
const framedClients = new WeakSet<Client>();

/** From now on this client writes one element per write, each with its namespace. */
export function frameWrites(client: Client): void {
  framedClients.add(client);
}

/** A stanza as a frame of its own: RFC 7395 has no stream element to inherit 'jabber:client' from. */
function framed(stanza: XmlElement, passed: Passed): string {
  if (stanza.attrs.xmlns !== undefined) return passed.text;
  return `<${stanza.name} xmlns="jabber:client"${passed.text.slice(stanza.name.length + 1)}`;
}

/** Writes stanzas that passed the gate in one write (one per stanza over WebSocket), then tells the library (and stream management) of each, in order. */
export async function writeRun(client: Client, run: ReadonlyArray<{ stanza: XmlElement; passed: Passed }>): Promise<void> {
  if (framedClients.has(client)) {
    // All handed to the socket at once (it keeps their order), then awaited together.
    const writes = run.map(({ stanza, passed }) => {
      stanza.parent = client.root;
      return client.write(framed(stanza, passed));
    });
    await Promise.all(writes);
    for (const { stanza } of run) client.emit('send', stanza);
    return;
  }
  let text = '';
  for (const { stanza, passed } of run) {
    stanza.parent = client.root;
    text += passed.text;
  }
  await client.write(text);
  for (const { stanza } of run) client.emit('send', stanza);
}

function isIqAnswer(stanza: XmlElement): boolean {
  return stanza.name === 'iq' && (stanza.attrs.type === 'result' || stanza.attrs.type === 'error');
}

/** An error answer with nothing of the request in it. */
export function errorAnswer(xml: XmlFactory, answering: XmlElement, type: ErrorType, condition: string): XmlElement {
  return xml('iq', { type: 'error', to: answering.attrs.to, id: answering.attrs.id }, errorElement(xml, type, condition));
}

/**
 * Puts the gate in front of everything the library sends by itself (IQ answers, stream
 * management, resource binding). An IQ error answer never carries the request's child: xmpp.js
 * copies it, and a large request would make our answer too large for the server. An answer that
 * cannot pass becomes a small error answer; anything else that cannot pass is refused.
 */
export function gateLibrarySends(client: Client, xml: XmlFactory, maxBytes: () => number, refused: (error: XmppError, stanza: XmlElement) => void): void {
  client.send = async (stanza: XmlElement): Promise<void> => {
    if (stanza.name === 'iq' && stanza.attrs.type === 'error') {
      stanza.children = stanza.children.filter((child) => typeof child !== 'string' && child.name === 'error');
    }
    let passed: Passed;
    try {
      passed = pass(stanza, maxBytes());
    } catch (error) {
      const named = error instanceof XmppError ? error : new XmppError('invalid-payload');
      refused(named, stanza);
      if (!isIqAnswer(stanza)) throw named;
      const replacement = errorAnswer(xml, stanza, named.code === 'too-large' ? 'wait' : 'cancel', named.code === 'too-large' ? 'resource-constraint' : 'internal-server-error');
      const fallback = pass(replacement, Number.MAX_SAFE_INTEGER);
      await writePassed(client, replacement, fallback);
      return;
    }
    await writePassed(client, stanza, passed);
  };
}
