// STARTTLS (RFC 6120 5) done here rather than by xmpp.js, whose upgrade passes only a host to
// tls.connect: ours applies the connection's own trust settings.
import type { Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { XmppError, classifyConnectionError } from '../errors';
import { NS_TLS } from '../namespaces';
import { acknowledgeTickets } from './ack-nudge';
import { checkPeer, tlsOptions, type TlsTrust } from './tls-trust';
import type { Client, XmlElement, XmlFactory } from '../xmpp-lib';
import { words } from '../words';


function waitForProceed(client: Client, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(new XmppError('connection-timeout', words('starttls-no-answer'))), timeoutMs);
    const onElement = (element: XmlElement): void => {
      if (element.is('proceed', NS_TLS)) finish();
      else if (element.is('failure', NS_TLS)) finish(new XmppError('tls-unavailable', words('starttls-refused')));
    };
    const finish = (error?: XmppError): void => {
      clearTimeout(timer);
      client.off('element', onElement);
      if (error) reject(error);
      else resolve();
    };
    client.on('element', onElement);
  });
}

function handshake(socket: TLSSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('secureConnect', () => resolve());
    socket.once('error', (error) => reject(classifyConnectionError(error)));
  });
}

/** Asks for TLS, upgrades the socket with our trust settings, and restarts the stream. */
export async function startTls(client: Client, xml: XmlFactory, trust: TlsTrust, domain: string, timeoutMs = 10_000): Promise<void> {
  const proceed = waitForProceed(client, timeoutMs);
  await client.send(xml('starttls', { xmlns: NS_TLS }));
  await proceed;
  const plain = client.socket;
  if (!plain) throw new XmppError('connection-lost');
  const secure = tlsConnect({ ...tlsOptions(trust, domain), socket: plain as unknown as Socket });
  await handshake(secure);
  const rejected = checkPeer(secure, trust);
  if (rejected) {
    secure.destroy();
    throw rejected;
  }
  Object.assign(secure, { secure: true });
  secure.setNoDelay(true);
  client._detachSocket();
  client._attachSocket(secure);
  // restart() hands the new stream header to the socket before its first await: from then on a
  // space may follow it.
  const restarting = client.restart();
  acknowledgeTickets(client, secure);
  await restarting;
}
