// A loopback HTTP(S) server for file transfer tests: it records every request (method, path,
// headers, body) and answers as the test says; over HTTPS with a self-signed certificate for
// "localhost" made by openssl.
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Certificate {
  cert: string;
  key: string;
  /** SHA-256 fingerprint, colon-separated hex (what a pin is). */
  fingerprint256: string;
}

/** A fresh self-signed certificate for the name localhost (not for 127.0.0.1). */
export function selfSignedCertificate(): Certificate {
  const dir = mkdtempSync(join(tmpdir(), 'xmpp-flows-cert-'));
  try {
    const keyFile = join(dir, 'key.pem');
    const certFile = join(dir, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '30', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost', '-keyout', keyFile, '-out', certFile], { stdio: 'ignore' });
    const cert = readFileSync(certFile, 'utf8');
    return { cert, key: readFileSync(keyFile, 'utf8'), fingerprint256: new X509Certificate(cert).fingerprint256 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** How to answer a request: write to the response (the default answers 201 to PUT and 404 to anything else). */
export type Handler = (request: RecordedRequest, response: ServerResponse, raw: IncomingMessage) => void;

export class FileServer {
  /** Every request whose body arrived in full. */
  readonly requests: RecordedRequest[] = [];
  /** Every request whose head (method, path, headers) arrived, complete or not. */
  readonly heads: Array<Omit<RecordedRequest, 'body'>> = [];
  /** TCP connections accepted (a refused TLS handshake counts too). */
  connections = 0;
  handler: Handler = (request, response) => {
    response.statusCode = request.method === 'PUT' ? 201 : 404;
    response.end();
  };
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
    readonly secure: boolean,
  ) {}

  /** Starts on 127.0.0.1: HTTPS with `certificate`, else plain HTTP. */
  static start(certificate?: Certificate): Promise<FileServer> {
    const server = certificate ? createHttpsServer({ cert: certificate.cert, key: certificate.key }) : createHttpServer();
    return new Promise((resolve, reject) => {
      server.on('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        const files = new FileServer(server, typeof address === 'object' && address ? address.port : 0, certificate !== undefined);
        server.on('connection', (socket: Socket) => {
          files.connections += 1;
          files.sockets.add(socket);
          socket.on('close', () => files.sockets.delete(socket));
        });
        server.on('request', (raw: IncomingMessage, response: ServerResponse) => files.take(raw, response));
        resolve(files);
      });
    });
  }

  /** A URL on this server ("https://localhost:PORT/path"). */
  url(path: string): string {
    return `${this.secure ? 'https' : 'http'}://localhost:${this.port}${path}`;
  }

  stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private take(raw: IncomingMessage, response: ServerResponse): void {
    this.heads.push({ method: raw.method ?? '', path: raw.url ?? '', headers: raw.headers });
    const chunks: Buffer[] = [];
    raw.on('data', (chunk: Buffer) => chunks.push(chunk));
    raw.on('end', () => {
      const request = { method: raw.method ?? '', path: raw.url ?? '', headers: raw.headers, body: Buffer.concat(chunks) };
      this.requests.push(request);
      this.handler(request, response, raw);
    });
  }
}
