// A server with Nagle's algorithm on (Prosody's default network settings) holds a small write
// while an earlier one is not yet acknowledged at the TCP level, and our kernel delays that
// acknowledgement by up to 40 ms when we have nothing to send back. So after the server writes
// something we do not answer (the <a/> for our ack request, <enabled/>, a result), its next write
// (the message a peer just sent us) waited ~44 ms: one round trip in about twenty with our ack
// requests, seen in a packet capture. When the server's data leaves us silent, one space (a
// whitespace keepalive, allowed between stanzas) carries our acknowledgement at once.
import type { Client } from '../xmpp-lib';

interface CountingSocket {
  bytesWritten?: number;
}

function written(client: Client): number | undefined {
  return (client.socket as CountingSocket | null)?.bytesWritten;
}

export function acknowledgePromptly(client: Client): void {
  let checking = false;
  client.on('element', () => {
    if (checking) return;
    const before = written(client);
    if (before === undefined) return;
    checking = true;
    // After everything this read set off in the same turn (an <a/> for an <r/>, an answer).
    setImmediate(() => {
      checking = false;
      if (client.status !== 'online' || written(client) !== before) return;
      client.write(' ').catch(() => undefined);
    });
  });
}

/**
 * The same stall once per TLS 1.3 login: the server sends its session tickets after the
 * handshake, just after our stream header went out; our kernel delays their acknowledgement,
 * and the server's Nagle holds its stream features behind it (~45 ms against Prosody, measured).
 * A space after the header (allowed between the stream's start tag and its first element)
 * acknowledges them at once. Called for each TLS socket of the client (direct TLS, STARTTLS).
 */
export function acknowledgeTickets(client: Client, tls: { on(event: 'session', listener: () => void): unknown }): void {
  // Not from inside the event: OpenSSL emits it in the middle of reading a record, and a write
  // from there corrupts the connection ("bad record mac"). Only while our header is out and the
  // server's features are awaited, or once online: never where a stream restart may come next
  // (a space before the new header would come before its XML declaration).
  tls.on('session', () =>
    setImmediate(() => {
      if (client.status === 'opening' || client.status === 'online') client.write(' ').catch(() => undefined);
    }),
  );
}
