// The TLS version a connection ended up with, whichever way it was encrypted (STARTTLS, direct
// TLS, wss://), so a login can be reported as "over TLSv1.3" or as not encrypted at all.
import { TLSSocket } from 'node:tls';

/** "TLSv1.3", "TLSv1.2" …; undefined when the socket is not encrypted (or already closed). */
export function tlsVersionOf(socket: unknown): string | undefined {
  const tls = findTlsSocket(socket);
  return tls?.getProtocol() ?? undefined;
}

// xmpp.js keeps the TLSSocket itself (STARTTLS, direct TLS) or a wrapper with it as `.socket`;
// our WebSocket keeps a `ws` WebSocket whose own socket is `_socket`.
function findTlsSocket(socket: unknown, depth = 0): TLSSocket | undefined {
  if (socket instanceof TLSSocket) return socket;
  if (depth > 2 || typeof socket !== 'object' || socket === null) return undefined;
  const holder = socket as { socket?: unknown; _socket?: unknown };
  return findTlsSocket(holder.socket, depth + 1) ?? findTlsSocket(holder._socket, depth + 1);
}
