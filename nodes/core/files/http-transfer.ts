// A file's bytes over HTTP(S) with one connection's TLS trust: the trust goes into each request's
// own options (a fresh agent per request, never the global agent or a process-wide switch), a
// pinned certificate is checked before a byte of the request leaves, and every transfer is
// bounded in time and, for downloads, in size.
import { request as httpRequest, type ClientRequest, type IncomingMessage, type OutgoingHttpHeaders, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { classifyConnectionError } from '../errors';
import { checkPeer, tlsOptions, type TlsTrust } from '../session/tls-trust';
import { FileError } from './file-error';
import { words } from '../words';

type Failure = 'upload-failed' | 'download-failed';

/** Longest silence on the connection before a transfer counts as failed. */
export const IDLE_TIMEOUT_MS = 30_000;
const CHUNK_BYTES = 64 * 1024;
const MAX_REDIRECTS = 3;

export interface PutOptions {
  trust: TlsTrust;
  /** The media type, sent as Content-Type (the one the slot was asked for). */
  type: string;
  /** The slot's headers (only those XEP-0363 allows). */
  headers: Record<string, string>;
  /** Bytes handed to the connection so far, of `total`; called as they go. */
  onProgress?: ((sent: number, total: number) => void) | undefined;
  idleTimeoutMs?: number | undefined;
}

export interface GetOptions {
  trust: TlsTrust;
  /** Never read more: a longer answer is abandoned with FileError('too-large'). */
  maxBytes: number;
  /** The whole transfer, redirects included, must end within this. */
  deadlineMs: number;
  idleTimeoutMs?: number | undefined;
}

export interface Fetched {
  data: Buffer;
  /** The Content-Type the server gave, without parameters; undefined when it gave none. */
  type: string | undefined;
  /** Where the bytes came from in the end (after redirects). */
  url: string;
}

interface Exchange {
  request: ClientRequest;
  response: IncomingMessage;
}

/** The failure as a FileError: a certificate problem is tls-untrusted, anything else `failure`, naming the host. */
function asFileError(error: unknown, failure: Failure, host: string): FileError {
  if (error instanceof FileError) return error;
  const named = classifyConnectionError(error);
  if (named.code === 'tls-untrusted') return new FileError('tls-untrusted', words('at-place', { place: host, detail: named.words ?? named.detail }));
  return new FileError(failure, words('at-place', { place: host, detail: named.words ?? (named.detail || named.code) }));
}

/**
 * Opens one request and calls `send` (which writes the body and ends it) only once the
 * connection is up and, over TLS, the server's certificate passed this connection's trust,
 * pin included: before that nothing is written, so no header (an upload slot's Authorization)
 * reaches a server we do not trust. Resolves with the answer's head.
 */
function exchange(
  url: URL,
  method: 'GET' | 'PUT',
  headers: OutgoingHttpHeaders,
  trust: TlsTrust,
  failure: Failure,
  idleMs: number,
  send: (request: ClientRequest) => void,
  opened: (request: ClientRequest) => void = () => undefined,
): Promise<Exchange> {
  const secure = url.protocol === 'https:';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const options: RequestOptions = { method, headers, agent: false };
  if (secure) {
    Object.assign(options, tlsOptions(trust, host));
    // RFC 6066 has no server name for an IP address; Node warns when given one.
    if (isIP(host)) delete (options as { servername?: string }).servername;
  }
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (error: unknown): void => {
      if (settled) return;
      settled = true;
      reject(asFileError(error, failure, url.host));
    };
    let request: ClientRequest;
    try {
      request = (secure ? httpsRequest : httpRequest)(url, options);
    } catch (error) {
      // A header value Node refuses (a control character in a slot's header, say).
      fail(error);
      return;
    }
    opened(request);
    // Errors after the answer arrived are the reader's; this listener keeps them from being uncaught.
    request.on('error', fail);
    request.setTimeout(idleMs, () => request.destroy(new FileError(failure, words('http-idle', { host: url.host, seconds: Math.round(idleMs / 1000) }))));
    request.once('socket', (socket) => {
      if (!secure) {
        send(request);
        return;
      }
      socket.once('secureConnect', () => {
        const refused = checkPeer(socket as TLSSocket, trust);
        if (refused) fail(new FileError('tls-untrusted', words('at-place', { place: url.host, detail: refused.words ?? refused.detail })));
        else send(request);
      });
    });
    request.once('response', (response) => {
      if (settled) {
        response.resume();
        return;
      }
      settled = true;
      resolve({ request, response });
    });
  });
}

/** Writes the body in chunks as the connection takes them, reporting each. */
function writeBody(request: ClientRequest, body: Buffer, onProgress: PutOptions['onProgress']): void {
  let offset = 0;
  onProgress?.(0, body.length);
  const pump = (): void => {
    while (offset < body.length) {
      const end = Math.min(offset + CHUNK_BYTES, body.length);
      const flowing = request.write(body.subarray(offset, end));
      offset = end;
      onProgress?.(offset, body.length);
      if (!flowing) {
        request.once('drain', pump);
        return;
      }
    }
    request.end();
  };
  pump();
}

/** PUTs the bytes (an HTTP upload slot); resolves on a 2xx answer, else FileError('upload-failed') with the status. */
export async function httpPut(url: string, body: Buffer, options: PutOptions): Promise<void> {
  const target = new URL(url);
  const headers: OutgoingHttpHeaders = { ...options.headers, 'content-type': options.type, 'content-length': body.length };
  const { request, response } = await exchange(target, 'PUT', headers, options.trust, 'upload-failed', options.idleTimeoutMs ?? IDLE_TIMEOUT_MS, (r) => writeBody(r, body, options.onProgress));
  response.resume();
  const status = response.statusCode ?? 0;
  if (status < 200 || status > 299) {
    // The server may answer before it has read everything: stop sending.
    request.destroy();
    throw new FileError('upload-failed', words('http-status', { status, host: target.host }), status);
  }
}

function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

/** GETs a file, following up to 3 redirects (never from https to http), reading at most maxBytes. */
export async function httpGet(url: string, options: GetOptions): Promise<Fetched> {
  let target = new URL(url);
  let current: ClientRequest | undefined;
  let late: FileError | undefined;
  const deadline = setTimeout(() => {
    late = new FileError('download-failed', words('http-deadline', { host: target.host, seconds: Math.round(options.deadlineMs / 1000) }));
    current?.destroy(late);
  }, options.deadlineMs);
  try {
    for (let redirects = 0; ; redirects += 1) {
      if (target.protocol !== 'https:' && target.protocol !== 'http:') throw new FileError('download-failed', words('http-not-http', { protocol: target.protocol }));
      const { request, response } = await exchange(
        target,
        'GET',
        { accept: '*/*' },
        options.trust,
        'download-failed',
        options.idleTimeoutMs ?? IDLE_TIMEOUT_MS,
        (r) => r.end(),
        (r) => (current = r),
      );
      if (late) throw late;
      const status = response.statusCode ?? 0;
      const location = response.headers.location;
      if (isRedirect(status) && location && redirects < MAX_REDIRECTS) {
        request.destroy();
        let next: URL;
        try {
          next = new URL(location, target);
        } catch {
          throw new FileError('download-failed', words('http-bad-redirect', { host: target.host }));
        }
        if (target.protocol === 'https:' && next.protocol !== 'https:') throw new FileError('download-failed', words('http-downgrade', { host: target.host, protocol: next.protocol }));
        target = next;
        continue;
      }
      if (status !== 200) {
        request.destroy();
        throw new FileError('download-failed', words('http-status', { status, host: target.host }), status);
      }
      const announced = Number(response.headers['content-length']);
      if (Number.isFinite(announced) && announced > options.maxBytes) {
        request.destroy();
        throw new FileError('too-large', words('http-announced-large', { bytes: announced, host: target.host, max: options.maxBytes }));
      }
      const data = await readBody(request, response, options.maxBytes, target.host, () => late);
      const type = response.headers['content-type']?.split(';')[0]?.trim().toLowerCase() || undefined;
      return { data, type, url: target.toString() };
    }
  } finally {
    clearTimeout(deadline);
  }
}

/** The answer's body, abandoned (the connection closed) as soon as it grows past maxBytes. */
function readBody(request: ClientRequest, response: IncomingMessage, maxBytes: number, host: string, late: () => FileError | undefined): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const fail = (error: unknown): void => reject(late() ?? asFileError(error, 'download-failed', host));
    response.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        request.destroy();
        reject(new FileError('too-large', words('http-too-large', { max: maxBytes, host })));
        return;
      }
      chunks.push(chunk);
    });
    response.on('end', () => resolve(Buffer.concat(chunks, size)));
    response.on('error', fail);
    response.on('close', () => {
      if (!response.complete) fail(new FileError('download-failed', words('http-cut', { host })));
    });
  });
}
