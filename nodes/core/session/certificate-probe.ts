// Fetches a server's certificate without trusting it, only to show its SHA-256 fingerprint to
// someone deciding whether to pin it. Nothing is sent over the TLS connection but the handshake:
// no login, no password; it is closed as soon as the certificate is read.
import { connect as netConnect, type LookupFunction, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { NS_TLS } from '../namespaces';

export interface ProbeTarget {
  host: string;
  port: number;
  /** TLS from the first byte (xmpps, wss); otherwise an XMPP stream that asks for STARTTLS first. */
  directTls: boolean;
  /** The XMPP domain (the stream's `to`, and the name the certificate is asked for). */
  domain: string;
  lookup?: LookupFunction | undefined;
}

// What a server sends before <proceed/> is a stream header and its features: a few KiB at most.
const MAX_PREAMBLE = 64 * 1024;

/** The certificate's SHA-256 fingerprint (AB:CD:…); undefined when none could be read in time. */
export function probeFingerprint(target: ProbeTarget, timeoutMs = 5000): Promise<string | undefined> {
  return new Promise((resolve) => {
    const sockets: Socket[] = [];
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    function finish(fingerprint: string | undefined): void {
      clearTimeout(timer);
      // The TLS socket first, once its handshake is over: destroying the plain socket under a
      // TLS socket that is still using it crashes Node (a segmentation fault, seen on Node 20).
      for (const socket of [...sockets].reverse()) socket.destroy();
      resolve(fingerprint);
    }
    function handshake(plain?: Socket): void {
      // Not trusted on purpose: the point is to see the certificate that was not trusted.
      const secure = tlsConnect({ ...(plain ? { socket: plain } : { host: target.host, port: target.port, lookup: target.lookup }), servername: target.domain, rejectUnauthorized: false });
      sockets.push(secure);
      secure.once('secureConnect', () => finish(secure.getPeerCertificate()?.fingerprint256 || undefined));
      secure.once('error', () => finish(undefined));
    }
    if (target.directTls) {
      handshake();
      return;
    }
    const plain = netConnect({ host: target.host, port: target.port, lookup: target.lookup });
    sockets.push(plain);
    let preamble = '';
    let asked = false;
    plain.once('error', () => finish(undefined));
    plain.once('connect', () => {
      plain.write(`<?xml version='1.0'?><stream:stream to='${escapeAttribute(target.domain)}' version='1.0' xml:lang='en' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>`);
    });
    const onData = (chunk: Buffer): void => {
      preamble += chunk.toString('utf8');
      if (preamble.length > MAX_PREAMBLE) return finish(undefined);
      if (!asked && /<starttls[\s/>]/.test(preamble)) {
        asked = true;
        plain.write(`<starttls xmlns='${NS_TLS}'/>`);
      }
      if (asked && /<proceed[\s/>]/.test(preamble)) {
        plain.off('data', onData);
        handshake(plain);
      }
    };
    plain.on('data', onData);
  });
}

function escapeAttribute(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/'/g, '&apos;').replace(/</g, '&lt;');
}
