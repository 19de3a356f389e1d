// Channel-binding data as our client computes it, checked against what the other end of a real
// TLS connection (Node's own TLS server on loopback) computes, and against OpenSSL's own
// certificate fingerprints for tls-server-end-point.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer, type SecureVersion, type TLSSocket } from 'node:tls';
import { bindingData, channelBinding, serverEndPoint, tlsSocketOf } from '../../nodes/core/session/channel-binding';

interface Pair {
  client: TLSSocket;
  server: TLSSocket;
  close(): void;
}

const dir = mkdtempSync(join(tmpdir(), 'xmpp-flows-cb-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function certificate(name: string, keyArgs: string[], digest: string): { key: string; cert: string; der: Buffer } {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.crt`);
  execFileSync('openssl', ['req', '-x509', '-nodes', '-days', '1', '-subj', '/CN=localhost', ...keyArgs, `-${digest}`, '-keyout', key, '-out', cert], { stdio: 'ignore' });
  const der = execFileSync('openssl', ['x509', '-in', cert, '-outform', 'DER']);
  return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8'), der };
}

/** OpenSSL's fingerprint of a certificate, as bytes. */
function fingerprint(name: string, digest: string): Buffer {
  const out = execFileSync('openssl', ['x509', '-in', join(dir, `${name}.crt`), '-noout', '-fingerprint', `-${digest}`], { encoding: 'utf8' });
  return Buffer.from(out.split('=')[1]?.trim().replace(/:/g, '') ?? '', 'hex');
}

function pair(credentials: { key: string; cert: string }, version: SecureVersion): Promise<Pair> {
  return new Promise((resolve, reject) => {
    const server = createServer({ ...credentials, minVersion: version, maxVersion: version }, (serverSide) => {
      const client = clientSide;
      resolve({
        client,
        server: serverSide,
        close: () => {
          client.destroy();
          serverSide.destroy();
          server.close();
        },
      });
    });
    let clientSide: TLSSocket;
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      clientSide = connect({ host: '127.0.0.1', port, rejectUnauthorized: false, minVersion: version, maxVersion: version });
      clientSide.on('error', reject);
    });
  });
}

function secured(socket: TLSSocket): Promise<void> {
  return new Promise((resolve) => (socket.getProtocol() ? resolve() : socket.once('secureConnect', () => resolve())));
}

describe('channel binding', function () {
  this.timeout(20_000);
  const rsa = certificate('rsa', ['-newkey', 'rsa:2048'], 'sha256');
  const ec = certificate('ec', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384'], 'sha384');

  it('tls-exporter on TLS 1.3: the same 32 bytes the server exports (RFC 9266)', async () => {
    const { client, server, close } = await pair(rsa, 'TLSv1.3');
    try {
      await secured(client);
      const ours = bindingData(client, 'tls-exporter');
      assert.equal(ours?.length, 32);
      assert.deepEqual(ours, server.exportKeyingMaterial(32, 'EXPORTER-Channel-Binding', Buffer.alloc(0)));
      assert.equal(bindingData(client, 'tls-unique'), undefined, 'tls-unique is undefined on TLS 1.3');
      // Without an announcement no type is a safe guess on TLS 1.3; with one, the best announced.
      assert.equal(channelBinding(client, undefined), undefined);
      assert.equal(channelBinding(client, ['tls-server-end-point', 'tls-exporter'])?.type, 'tls-exporter');
      assert.equal(channelBinding(client, ['tls-server-end-point'])?.type, 'tls-server-end-point');
      assert.equal(channelBinding(client, ['tls-unique']), undefined);
    } finally {
      close();
    }
  });

  it('tls-unique on TLS 1.2: our Finished message, as the server reads it (RFC 5929)', async () => {
    const { client, server, close } = await pair(rsa, 'TLSv1.2');
    try {
      await secured(client);
      const ours = bindingData(client, 'tls-unique');
      assert.ok(ours && ours.length > 0);
      assert.deepEqual(ours, server.getPeerFinished());
      assert.equal(bindingData(client, 'tls-exporter'), undefined);
      assert.equal(channelBinding(client, undefined)?.type, 'tls-unique', 'the RFC 5802 default without an announcement');
      assert.equal(channelBinding(client, ['tls-exporter']), undefined);
    } finally {
      close();
    }
  });

  it('tls-server-end-point: the certificate hashed with its signature hash, as OpenSSL fingerprints it', async () => {
    assert.deepEqual(serverEndPoint(rsa.der), fingerprint('rsa', 'sha256'));
    assert.deepEqual(serverEndPoint(ec.der), fingerprint('ec', 'sha384'));
    const { client, close } = await pair(ec, 'TLSv1.3');
    try {
      await secured(client);
      assert.deepEqual(bindingData(client, 'tls-server-end-point'), fingerprint('ec', 'sha384'));
    } finally {
      close();
    }
  });

  it('no tls-server-end-point for signature algorithms RFC 5929 leaves open, nor for garbage', () => {
    const ed = certificate('ed', ['-newkey', 'ed25519'], 'sha256');
    assert.equal(serverEndPoint(ed.der), undefined);
    assert.equal(serverEndPoint(Buffer.from([0x30, 0x82, 0xff])), undefined);
    assert.equal(serverEndPoint(Buffer.alloc(0)), undefined);
  });

  it('finds the TLS socket under xmpp.js\'s direct-TLS wrapper, and none on plain TCP', async () => {
    const { client, close } = await pair(rsa, 'TLSv1.3');
    try {
      assert.equal(tlsSocketOf(client), client);
      assert.equal(tlsSocketOf({ socket: client }), client);
      assert.equal(tlsSocketOf({ socket: {} }), undefined);
      assert.equal(tlsSocketOf(null), undefined);
    } finally {
      close();
    }
  });
});
