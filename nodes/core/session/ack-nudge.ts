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
