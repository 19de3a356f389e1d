// File transfers over HTTP(S) against real loopback servers: the connection's trust decides per
// request (system CAs refuse a self-signed server, its certificate as CA or its pin accept it, a
// wrong pin is refused before any header leaves), downloads never read past their limit, and
// nothing process-wide changes.
import { strict as assert } from 'node:assert';
import { globalAgent } from 'node:https';
import { FileError } from '../../nodes/core/files/file-error';
import { httpGet, httpPut } from '../../nodes/core/files/http-transfer';
import type { TlsTrust } from '../../nodes/core/session/tls-trust';
import { FileServer, selfSignedCertificate, type Certificate } from '../rig/file-server';
import { english } from './english';

const SECRET = 'Bearer slot-secret-7f3a';

describe('HTTP file transfer with a connection’s trust (core)', () => {
  let certificate: Certificate;
  let https: FileServer;
  let http: FileServer;
  const body = Buffer.from('the bytes of a small file\n'.repeat(4000));

  before(async () => {
    certificate = selfSignedCertificate();
    [https, http] = await Promise.all([FileServer.start(certificate), FileServer.start()]);
  });
  after(async () => {
    await Promise.all([https?.stop(), http?.stop()]);
  });
  beforeEach(() => {
    for (const server of [https, http]) {
      server.requests.length = 0;
      server.heads.length = 0;
      server.connections = 0;
      server.handler = (request, response) => {
        response.statusCode = request.method === 'PUT' ? 201 : 404;
        response.end();
      };
    }
  });

  const put = (trust: TlsTrust, url = https.url('/slot/a.txt')): Promise<void> => httpPut(url, body, { trust, type: 'text/plain', headers: { Authorization: SECRET } });
  const untrusted = (error: unknown): boolean => error instanceof FileError && error.code === 'tls-untrusted';

  it("with the system's CAs refuses the self-signed server: tls-untrusted naming the host, and no request reached it", async () => {
    await assert.rejects(put({ mode: 'system' }), (error: unknown) => untrusted(error) && english(error) === `localhost:${https.port}: DEPTH_ZERO_SELF_SIGNED_CERT`);
    assert.equal(https.connections, 1);
    assert.equal(https.heads.length, 0);
  });

  it('with its certificate as the CA, or its pin, uploads', async () => {
    await put({ mode: 'ca', ca: certificate.cert });
    await put({ mode: 'pin', pin: certificate.fingerprint256 });
    assert.equal(https.requests.length, 2);
    assert.ok(https.requests.every((r) => r.body.equals(body) && r.headers.authorization === SECRET));
  });

  it("a pin that does not match is refused after the handshake, before the request's headers (the slot's secret) leave", async () => {
    await assert.rejects(put({ mode: 'pin', pin: 'AB'.repeat(32) }), (error: unknown) => untrusted(error) && /pinned fingerprint/.test(english(error)));
    assert.equal(https.connections, 1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(https.heads.length, 0, 'not even the request line and headers were sent');
  });

  it('a name the certificate does not carry is refused even with its CA (the name is checked as for the connection)', async () => {
    const byName = https.url('/slot/a.txt').replace('localhost', '127.0.0.1');
    await assert.rejects(put({ mode: 'ca', ca: certificate.cert }, byName), untrusted);
  });

  it('plain http:// uploads as the slot says', async () => {
    await put({ mode: 'system' }, http.url('/slot/a.txt'));
    assert.ok(http.requests[0]?.body.equals(body));
  });

  it('a slot header HTTP cannot carry is upload-failed, without its value in the error and without a request', async () => {
    await assert.rejects(
      httpPut(http.url('/slot/a.txt'), body, { trust: { mode: 'system' }, type: 'text/plain', headers: { Authorization: 'Bearer t\u20ac-secret' } }),
      (error: unknown) => error instanceof FileError && error.code === 'upload-failed' && !error.message.includes('secret'),
    );
    assert.equal(http.connections, 0);
  });

    it('a refused connection is upload-failed naming the host', async () => {
    const closed = await FileServer.start();
    const url = closed.url('/x');
    await closed.stop();
    await assert.rejects(put({ mode: 'system' }, url), (error: unknown) => error instanceof FileError && error.code === 'upload-failed' && /ECONNREFUSED/.test(english(error)));
  });

  describe('downloads', () => {
    const get = (path: string, maxBytes: number, deadlineMs = 5000, trust: TlsTrust = { mode: 'pin', pin: certificate.fingerprint256 }): ReturnType<typeof httpGet> => httpGet(https.url(path), { trust, maxBytes, deadlineMs });

    it('reads the file and its type', async () => {
      https.handler = (_request, response) => {
        response.setHeader('content-type', 'Image/PNG; q=1');
        response.end(body);
      };
      const fetched = await get('/f.png', body.length);
      assert.ok(fetched.data.equals(body));
      assert.equal(fetched.type, 'image/png');
    });

    it('a Content-Length over the limit is refused without reading the body', async () => {
      let written = 0;
      https.handler = (_request, response) => {
        response.setHeader('content-length', String(body.length));
        written = body.length;
        response.end(body);
      };
      await assert.rejects(get('/f', body.length - 1), (error: unknown) => error instanceof FileError && error.code === 'too-large' && english(error).startsWith(`${body.length} bytes`));
      assert.equal(written, body.length);
    });

    it('a body that grows past the limit without announcing its length is cut off there', async () => {
      // Chunked: 64 KiB pieces until the reader hangs up, at most 2,000 of them (128 MiB, far past the 200 KiB asked for).
      let pieces = 0;
      let closed!: () => void;
      const hungUp = new Promise<void>((resolve) => (closed = resolve));
      https.handler = (_request, response) => {
        const piece = Buffer.alloc(64 * 1024, 7);
        const more = (): void => {
          if (response.destroyed || pieces >= 2000) {
            response.end();
            return;
          }
          pieces += 1;
          response.write(piece, () => setImmediate(more));
        };
        response.on('close', closed);
        more();
      };
      await assert.rejects(get('/endless', 200 * 1024), (error: unknown) => error instanceof FileError && error.code === 'too-large');
      await hungUp;
      assert.ok(pieces < 2000, `the download was abandoned, not read to its end (${pieces} pieces sent)`);
    });

    it('an HTTP error is download-failed with its status', async () => {
      await assert.rejects(get('/missing', 1000), (error: unknown) => error instanceof FileError && error.code === 'download-failed' && error.status === 404);
    });

    it('follows a redirect, but never from https to http', async () => {
      https.handler = (request, response) => {
        if (request.path === '/old') {
          response.writeHead(302, { location: '/new' });
          response.end();
        } else if (request.path === '/down') {
          response.writeHead(301, { location: http.url('/plain') });
          response.end();
        } else response.end(body);
      };
      assert.ok((await get('/old', body.length)).data.equals(body));
      await assert.rejects(get('/down', body.length), (error: unknown) => error instanceof FileError && error.code === 'download-failed' && /https to http/.test(english(error)));
      assert.equal(http.requests.length, 0);
    });

    it('a server that never finishes is given up at the deadline', async () => {
      https.handler = (_request, response) => {
        response.write('a little, then nothing');
      };
      const started = Date.now();
      await assert.rejects(get('/slow', 1000, 300), (error: unknown) => error instanceof FileError && error.code === 'download-failed' && /not done in/.test(english(error)));
      assert.ok(Date.now() - started < 3000);
    });

    it('with the system CAs, the self-signed download server is refused', async () => {
      await assert.rejects(get('/f', 1000, 5000, { mode: 'system' }), untrusted);
    });
  });

  it('changes nothing process-wide: no NODE_TLS_REJECT_UNAUTHORIZED, the global agent untouched', () => {
    assert.equal(process.env.NODE_TLS_REJECT_UNAUTHORIZED, undefined);
    const options = globalAgent.options as { ca?: unknown; rejectUnauthorized?: unknown };
    assert.equal(options.ca, undefined);
    assert.equal(options.rejectUnauthorized, undefined);
    assert.equal(Object.keys(globalAgent.sockets).length + Object.keys(globalAgent.freeSockets).length, 0, 'no request went through the global agent');
  });
});
