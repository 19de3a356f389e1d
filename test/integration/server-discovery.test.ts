// Finding the server as a careful XMPP client does, against a real Prosody and the rig's own DNS
// server on loopback (nothing leaves the machine): SRV records in RFC 2782 order, _xmpps-client
// and _xmpp-client mixed (XEP-0368), a "." target, the fallback to the domain, each host's IPv6
// and IPv4 addresses tried in turn (happy eyeballs), and an error naming every address tried.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Security } from '../../nodes/core/session/server-address';
import type { Session, SessionOptions, SessionStatus } from '../../nodes/core/session/session';
import type { TlsTrust } from '../../nodes/core/session/tls-trust';
import { UnreachableError } from '../../nodes/core/session/tried-addresses';
import { loadXmpp } from '../../nodes/core/xmpp-lib';
import { coreSession } from '../rig/core-client';
import { DnsServer, type DnsTable, type SrvAnswer } from '../rig/dns-server';
import { freePort, Prosody } from '../rig/prosody';
import { SilentPort } from '../rig/silent-port';

const DOMAIN = 'example.test';
/** A domain Prosody serves with the same certificate, which does not name it. */
const UNNAMED = 'other.test';
const PASSWORD = 'srv-secret-5e2a';
const XMPPS = `_xmpps-client._tcp.${DOMAIN}`;
const XMPP = `_xmpp-client._tcp.${DOMAIN}`;
/** The domain fallback goes to the default ports: this suite's Prosody listens there. */
const STARTTLS_PORT = 5222;
const DIRECT_TLS_PORT = 5223;

interface Run {
  session: Session;
  seen: SessionStatus[];
}

function states(seen: SessionStatus[]): string {
  return seen.map((s) => s.state + (s.error ? `(${s.error.code}: ${s.error.detail})` : '')).join(' → ');
}

/** The first status (the current one included) past connecting: online, retrying or failed. */
function outcome(run: Run, timeoutMs = 10_000): Promise<SessionStatus> {
  const done = (s: SessionStatus): boolean => s.state === 'online' || s.state === 'retrying' || s.state === 'failed';
  if (done(run.session.status)) return Promise.resolve(run.session.status);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no outcome in ${timeoutMs} ms; seen ${states(run.seen)}`));
    }, timeoutMs);
    const off = run.session.onStatus((status) => {
      if (!done(status)) return;
      clearTimeout(timer);
      off();
      resolve(status);
    });
  });
}

function portIsFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

const srv = (priority: number, port: number, target: string, weight = 0): SrvAnswer => ({ priority, weight, port, target });

describe('finding the server: SRV records, happy eyeballs and every address named (own DNS server, real Prosody)', function () {
  this.timeout(30_000);
  let dns: DnsServer;
  let prosody: Prosody;
  let trust: TlsTrust;
  let pem: string;
  /** Ports on 127.0.0.1 and ::1 where nothing listens. */
  let closed: number;
  let closed2: number;
  const runs: Session[] = [];

  before(async () => {
    await loadXmpp();
    for (const [port, host] of [[STARTTLS_PORT, '127.0.0.1'], [DIRECT_TLS_PORT, '127.0.0.1'], [STARTTLS_PORT, '::1']] as const) {
      assert.ok(await portIsFree(port, host), `this suite needs ${host} port ${port} free (the domain fallback's default port)`);
    }
    [dns, prosody] = await Promise.all([DnsServer.start(), Prosody.start({ tls: true, iterations: 100, hosts: [DOMAIN, UNNAMED], certNames: ['localhost', DOMAIN], port: STARTTLS_PORT, tlsPort: DIRECT_TLS_PORT })]);
    trust = { mode: 'pin', pin: prosody.fingerprint256 };
    pem = readFileSync(prosody.certFile, 'utf8');
    [closed, closed2] = [await freePort(), await freePort()];
    const users = ['order', 'orderfail', 'mixed', 'mixedtls', 'mixednone', 'dot', 'nodot', 'fallback', 'fallbacktls', 'eyes', 'eyestls', 'nowhere', 'certname', 'wrongpw'];
    await Promise.all(users.map((user) => prosody.register(user, PASSWORD, DOMAIN)));
  });

  after(async () => {
    await Promise.all(runs.map((session) => session.stop()));
    await Promise.all([prosody?.stop(), dns?.stop()]);
  });

  afterEach(async () => {
    await Promise.all(runs.splice(0).map((session) => session.stop()));
  });

  /** A session for user@example.test with no server configured: it asks the rig's DNS server. */
  function start(user: string, security: Security, table: DnsTable, extra: Partial<SessionOptions> = {}): Run {
    dns.table = table;
    dns.asked.length = 0;
    const { session } = coreSession({
      jid: { local: user, domain: DOMAIN, resource: 'srv' },
      password: PASSWORD,
      host: undefined,
      security,
      trust,
      dnsServers: [dns.address],
      backoff: { initialMs: 5000, maxMs: 5000, stableMs: 5000 },
      ...extra,
    });
    const run: Run = { session, seen: [] };
    session.onStatus((status) => run.seen.push(status));
    runs.push(session);
    session.start();
    return run;
  }

  async function online(run: Run): Promise<SessionStatus> {
    const status = await outcome(run);
    assert.equal(status.state, 'online', states(run.seen));
    return status;
  }

  /** Each address tried and how it ended, from the error of an attempt that reached no server. */
  async function triedBy(run: Run): Promise<{ code: string; tried: string[] }> {
    const status = await outcome(run);
    assert.equal(status.state, 'retrying', states(run.seen));
    const error = status.error;
    assert.ok(error instanceof UnreachableError, `not an UnreachableError: ${states(run.seen)}`);
    return { code: error.code, tried: error.tried.map((t) => `${t.address} ${t.outcome}`) };
  }

  /** The Security column of Prosody's session list for one full JID ('TLSv1.3', 'insecure', …). */
  async function securityOf(fullJid: string): Promise<string | undefined> {
    const out = await prosody.shell('c2s:show()');
    const header = out.split('\n').find((line) => line.startsWith('Session ID'));
    assert.ok(header, `no session table in: ${out}`);
    const column = header.split('|').findIndex((cell) => cell.trim() === 'Security');
    return out.split('\n').find((line) => line.split('|')[1]?.trim() === fullJid)?.split('|')[column]?.trim();
  }

  describe('SRV records in RFC 2782 order', () => {
    it('skips the first target, whose port is closed, connects to the next, and never looks at the one after', async () => {
      const run = start('order', 'starttls', {
        [XMPP]: { srv: [srv(30, closed, 'c.example.test'), srv(10, closed, 'a.example.test'), srv(20, STARTTLS_PORT, 'b.example.test')] },
        'a.example.test': { a: ['127.0.0.1'] },
        'b.example.test': { a: ['127.0.0.1'] },
        'c.example.test': { a: ['127.0.0.1'] },
      });
      const status = await online(run);
      assert.equal(await securityOf(status.jid), 'TLSv1.3');
      const names = dns.asked.filter((q) => q.startsWith('A ')).map((q) => q.slice(2));
      assert.deepEqual(names, ['a.example.test', 'b.example.test'], 'address queries, in the order the targets were tried');
    });

    it('when every target fails, the error lists them in priority order', async () => {
      const run = start('orderfail', 'starttls', {
        [XMPP]: { srv: [srv(20, closed2, 'b.example.test'), srv(10, closed, 'a.example.test')] },
        'a.example.test': { a: ['127.0.0.1'] },
        'b.example.test': { a: ['127.0.0.1'] },
      });
      assert.deepEqual(await triedBy(run), { code: 'connection-refused', tried: [`127.0.0.1:${closed} refused`, `127.0.0.1:${closed2} refused`] });
    });
  });

  describe('_xmpps-client and _xmpp-client (XEP-0368)', () => {
    it('STARTTLS required takes both in one order: the STARTTLS target is closed, the direct-TLS one after it connects', async () => {
      const run = start('mixed', 'starttls', {
        [XMPP]: { srv: [srv(10, closed, 'plain.example.test')] },
        [XMPPS]: { srv: [srv(20, DIRECT_TLS_PORT, 'tls.example.test')] },
        'plain.example.test': { a: ['127.0.0.1'] },
        'tls.example.test': { a: ['127.0.0.1'] },
      });
      const status = await online(run);
      assert.equal(await securityOf(status.jid), 'TLSv1.3');
      assert.deepEqual(
        dns.asked.filter((q) => q.startsWith('A ')),
        ['A plain.example.test', 'A tls.example.test'],
      );
    });

    it('direct TLS takes only _xmpps-client: a working STARTTLS record is not used', async () => {
      const run = start('mixedtls', 'tls', {
        [XMPP]: { srv: [srv(0, STARTTLS_PORT, 'plain.example.test')] },
        [XMPPS]: { srv: [srv(10, closed, 'tls.example.test')] },
        'plain.example.test': { a: ['127.0.0.1'] },
        'tls.example.test': { a: ['127.0.0.1'] },
      });
      assert.deepEqual((await triedBy(run)).tried, [`127.0.0.1:${closed} refused`]);
      assert.deepEqual(dns.askedAbout(XMPP), [], 'no _xmpp-client question');
    });

    it('Security none takes only _xmpp-client, and the stream stays unencrypted', async () => {
      const run = start('mixednone', 'none', {
        [XMPPS]: { srv: [srv(0, DIRECT_TLS_PORT, 'tls.example.test')] },
        [XMPP]: { srv: [srv(10, STARTTLS_PORT, 'plain.example.test')] },
        'tls.example.test': { a: ['127.0.0.1'] },
        'plain.example.test': { a: ['127.0.0.1'] },
      });
      const status = await online(run);
      assert.equal(await securityOf(status.jid), 'insecure');
      assert.deepEqual(dns.askedAbout(XMPPS), [], 'no _xmpps-client question');
    });
  });

  describe('a "." target and no records at all', () => {
    it('"." for direct TLS: the STARTTLS records are used', async () => {
      const run = start('nodot', 'starttls', {
        [XMPPS]: { srv: [srv(0, 0, '.')] },
        [XMPP]: { srv: [srv(0, STARTTLS_PORT, 'plain.example.test')] },
        'plain.example.test': { a: ['127.0.0.1'] },
      });
      await online(run);
    });

    it('"." for both: no service, named, and no fallback to the domain (which would have connected)', async () => {
      const run = start('dot', 'starttls', {
        [XMPPS]: { srv: [srv(0, 0, '.')] },
        [XMPP]: { srv: [srv(0, 0, '.')] },
        [DOMAIN]: { a: ['127.0.0.1'] },
      });
      assert.deepEqual(await triedBy(run), { code: 'host-not-found', tried: [`${XMPPS} no-service`, `${XMPP} no-service`] });
      assert.deepEqual(dns.askedAbout(DOMAIN), [], 'the domain itself was not looked up');
    });

    it('no SRV records: the domain on the default port, 5222 for STARTTLS and 5223 for direct TLS', async () => {
      const starttls = start('fallback', 'starttls', { [DOMAIN]: { a: ['127.0.0.1'] } });
      assert.equal(await securityOf((await online(starttls)).jid), 'TLSv1.3');
      assert.deepEqual(dns.askedAbout(DOMAIN).sort(), ['A', 'AAAA']);
      const direct = start('fallbacktls', 'tls', { [DOMAIN]: { a: ['127.0.0.1'] } });
      assert.equal(await securityOf((await online(direct)).jid), 'TLSv1.3');
    });
  });

  describe("a host's IPv6 and IPv4 addresses (happy eyeballs)", () => {
    it('AAAA at an address that does not answer, A at Prosody: connects over IPv4', async () => {
      const silent = await SilentPort.start('::1', STARTTLS_PORT);
      try {
        const run = start('eyes', 'starttls', {
          [XMPP]: { srv: [srv(0, STARTTLS_PORT, 'dual.example.test')] },
          'dual.example.test': { aaaa: ['::1'], a: ['127.0.0.1'] },
        });
        await online(run);
      } finally {
        await silent.stop();
      }
    });

    it('AAAA at an address that refuses, A at Prosody: connects over IPv4 (direct TLS)', async () => {
      const run = start('eyestls', 'tls', {
        [XMPPS]: { srv: [srv(0, DIRECT_TLS_PORT, 'dual.example.test')] },
        'dual.example.test': { aaaa: ['::1'], a: ['127.0.0.1'] },
      });
      await online(run);
    });

    it('when every address of every target fails, the error names each address and why', async () => {
      const silent = await SilentPort.start('::1');
      try {
        const run = start('nowhere', 'starttls', {
          [XMPP]: { srv: [srv(0, silent.port, 'dual.example.test'), srv(1, STARTTLS_PORT, 'gone.example.test')] },
          'dual.example.test': { aaaa: ['::1'], a: ['127.0.0.1'] },
        });
        const { code, tried } = await triedBy(run);
        assert.deepEqual(tried, [`[::1]:${silent.port} timed-out`, `127.0.0.1:${silent.port} refused`, `gone.example.test:${STARTTLS_PORT} not-found`]);
        assert.equal(code, 'connection-timeout');
        assert.equal(run.session.status.error?.detail, `[::1]:${silent.port} ETIMEDOUT, 127.0.0.1:${silent.port} ECONNREFUSED, gone.example.test:${STARTTLS_PORT} ENOTFOUND`);
      } finally {
        await silent.stop();
      }
    });
  });

  describe('what does not move on to the next target', () => {
    it('the certificate is checked against the XMPP domain, not the SRV target', async () => {
      // The target's name is not in the certificate; the domain is: trusted through the CA.
      const good = start('certname', 'starttls', {
        [XMPPS]: { srv: [srv(0, DIRECT_TLS_PORT, 'xmpp1.example.test')] },
        [XMPP]: { srv: [srv(1, STARTTLS_PORT, 'xmpp1.example.test')] },
        'xmpp1.example.test': { a: ['127.0.0.1'] },
      }, { trust: { mode: 'ca', ca: pem } });
      await online(good);
      // The other way round: a domain the certificate does not name, with a target it does.
      dns.table = { [`_xmpps-client._tcp.${UNNAMED}`]: { srv: [srv(0, DIRECT_TLS_PORT, DOMAIN)] }, [DOMAIN]: { a: ['127.0.0.1'] } };
      const { session } = coreSession({
        jid: { local: 'certname', domain: UNNAMED, resource: 'srv' },
        password: PASSWORD,
        host: undefined,
        security: 'tls',
        trust: { mode: 'ca', ca: pem },
        dnsServers: [dns.address],
        backoff: { initialMs: 5000, maxMs: 5000, stableMs: 5000 },
      });
      runs.push(session);
      const bad: Run = { session, seen: [] };
      session.onStatus((status) => bad.seen.push(status));
      session.start();
      assert.deepEqual(await triedBy(bad), { code: 'tls-untrusted', tried: [`127.0.0.1:${DIRECT_TLS_PORT} tls-untrusted`] });
      assert.match(session.status.error?.detail ?? '', /ERR_TLS_CERT_ALTNAME_INVALID/);
    });

    it('a refused login does not try the next target', async () => {
      const run = start('wrongpw', 'starttls', {
        [XMPP]: { srv: [srv(0, STARTTLS_PORT, 'a.example.test'), srv(1, STARTTLS_PORT, 'b.example.test')] },
        'a.example.test': { a: ['127.0.0.1'] },
        'b.example.test': { a: ['127.0.0.1'] },
      }, { password: 'not-the-password' });
      const status = await outcome(run);
      assert.equal(status.state, 'failed', states(run.seen));
      assert.equal(status.error?.code, 'not-authorized');
      assert.deepEqual(dns.askedAbout('b.example.test'), [], 'the next target was not looked up');
    });
  });
});
