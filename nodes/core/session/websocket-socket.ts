// XMPP over WebSocket (RFC 7395) for xmpp.js, with this connection's own TLS trust: the `ws`
// package rather than a global WebSocket (Node 20 has none, and a global one takes no CA or pin).
// The certificate is checked against the URL's host, as for any HTTPS server.
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import WebSocket from 'ws';
import { checkPeer, tlsOptions, type TlsTrust } from './tls-trust';
import { XmppError } from '../errors';
import { words } from '../words';

/** How long the HTTP upgrade may take before the attempt counts as failed. */
const HANDSHAKE_MS = 15_000;

/** The Socket class xmpp.js's connection uses, for one connection's trust settings. */
export function webSocketClass(trust: TlsTrust): new () => XmppWebSocket {
  return class extends XmppWebSocket {
    constructor() {
      super(trust);
    }
  };
}

export class XmppWebSocket extends EventEmitter {
  socket: WebSocket | undefined;
  secure = false;
  private failed = false;

  constructor(private readonly trust: TlsTrust) {
    super();
  }

  connect(url: string): void {
    const parsed = new URL(url);
    this.secure = parsed.protocol === 'wss:';
    const tls = this.secure ? tlsOptions(this.trust, parsed.hostname) : {};
    const socket = new WebSocket(url, ['xmpp'], { ...tls, handshakeTimeout: HANDSHAKE_MS, perMessageDeflate: false });
    this.socket = socket;
    socket.on('upgrade', (response: IncomingMessage) => {
      if (!this.secure) return;
      const rejected = checkPeer(response.socket as TLSSocket, this.trust);
      if (rejected) this.fail(rejected);
    });
    socket.on('open', () => {
      if (socket.protocol !== 'xmpp') {
        this.fail(new XmppError('connection-lost', words('ws-no-xmpp-protocol', { protocol: socket.protocol || '-' })));
        return;
      }
      const raw = (socket as unknown as { _socket?: { setNoDelay?: (on: boolean) => void } })._socket;
      raw?.setNoDelay?.(true);
      this.emit('connect');
    });
    socket.on('message', (data: WebSocket.RawData) => this.emit('data', Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data)));
    socket.on('error', (error: Error) => this.fail(error));
    socket.on('close', (code: number) => {
      if (this.socket === socket) this.socket = undefined;
      this.emit('close', code !== 1000);
    });
  }

  private fail(error: Error): void {
    if (this.failed) return;
    this.failed = true;
    this.emit('error', error);
    this.socket?.terminate();
  }

  write(data: string, done?: (error?: Error) => void): void {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) {
      done?.(new XmppError('not-connected', words('ws-not-open')));
      return;
    }
    socket.send(data, (error) => done?.(error ?? undefined));
  }

  end(): void {
    this.socket?.close(1000);
  }

  destroy(): void {
    this.socket?.terminate();
  }

  setNoDelay(): void {
    // set on open
  }
}
