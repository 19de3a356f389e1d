import { strict as assert } from 'node:assert';
import { addressOf, findServer, serviceUri, type SrvLookup, type SrvRecord } from '../../nodes/core/session/server-address';
import { UnreachableError } from '../../nodes/core/session/tried-addresses';

type Table = Record<string, SrvRecord[] | Error>;

/** SRV answers from a table; a name not in it is NXDOMAIN. Records every name asked. */
function srvFrom(table: Table): SrvLookup & { asked: string[] } {
  const asked: string[] = [];
  const lookup = (name: string): Promise<SrvRecord[]> => {
    asked.push(name);
    const answer = table[name];
    if (answer instanceof Error) return Promise.reject(answer);
    if (!answer) return Promise.reject(Object.assign(new Error(`querySrv ENOTFOUND ${name}`), { code: 'ENOTFOUND' }));
    return Promise.resolve(answer);
  };
  return Object.assign(lookup, { asked });
}

const srv = (name: string, port: number, priority = 0, weight = 0): SrvRecord => ({ name, port, priority, weight });
const DOT = srv('', 0);
const TLS = '_xmpps-client._tcp.example.org';
const PLAIN = '_xmpp-client._tcp.example.org';
const first = (): number => 0;

describe('where to connect', () => {
  it('a configured server is the only candidate, on the configured or the default port; no DNS asked', async () => {
    const lookup = srvFrom({});
    assert.deepEqual(await findServer('example.org', 'starttls', { host: 'xmpp.example.net', srv: lookup }), [{ host: 'xmpp.example.net', port: 5222, directTls: false }]);
    assert.deepEqual(await findServer('example.org', 'tls', { host: 'xmpp.example.net', srv: lookup }), [{ host: 'xmpp.example.net', port: 5223, directTls: true }]);
    assert.deepEqual(await findServer('example.org', 'none', { host: '10.0.0.1', port: 5300, srv: lookup }), [{ host: '10.0.0.1', port: 5300, directTls: false }]);
    assert.deepEqual(lookup.asked, []);
  });

  it('a port without a server is the domain on that port; localhost and IP addresses skip SRV', async () => {
    const lookup = srvFrom({ [PLAIN]: [srv('other.example.org', 5269)] });
    assert.deepEqual(await findServer('example.org', 'starttls', { port: 5300, srv: lookup }), [{ host: 'example.org', port: 5300, directTls: false }]);
    assert.deepEqual(await findServer('localhost', 'tls', { srv: lookup }), [{ host: 'localhost', port: 5223, directTls: true }]);
    assert.deepEqual(await findServer('192.0.2.7', 'starttls', { srv: lookup }), [{ host: '192.0.2.7', port: 5222, directTls: false }]);
    assert.deepEqual(lookup.asked, []);
  });

  it('STARTTLS required asks for both services and mixes their records in one priority order (XEP-0368)', async () => {
    const lookup = srvFrom({
      [TLS]: [srv('tls-b.example.org', 443, 5), srv('tls-a.example.org', 5223, 1)],
      [PLAIN]: [srv('plain-a.example.org', 5222, 2), srv('plain-b.example.org', 5222, 9)],
    });
    const found = await findServer('example.org', 'starttls', { srv: lookup, random: first });
    assert.deepEqual(found, [
      { host: 'tls-a.example.org', port: 5223, directTls: true },
      { host: 'plain-a.example.org', port: 5222, directTls: false },
      { host: 'tls-b.example.org', port: 443, directTls: true },
      { host: 'plain-b.example.org', port: 5222, directTls: false },
    ]);
    assert.deepEqual([...lookup.asked].sort(), [PLAIN, TLS]);
  });

  it('direct TLS takes only _xmpps-client records; none takes only _xmpp-client records', async () => {
    const table: Table = { [TLS]: [srv('tls.example.org', 5223)], [PLAIN]: [srv('plain.example.org', 5222)] };
    const tls = srvFrom(table);
    assert.deepEqual(await findServer('example.org', 'tls', { srv: tls }), [{ host: 'tls.example.org', port: 5223, directTls: true }]);
    assert.deepEqual(tls.asked, [TLS]);
    const none = srvFrom(table);
    assert.deepEqual(await findServer('example.org', 'none', { srv: none }), [{ host: 'plain.example.org', port: 5222, directTls: false }]);
    assert.deepEqual(none.asked, [PLAIN]);
  });

  it('without records (no such name, no data, no answer) falls back to the domain on the default port', async () => {
    assert.deepEqual(await findServer('example.org', 'starttls', { srv: srvFrom({}) }), [{ host: 'example.org', port: 5222, directTls: false }]);
    assert.deepEqual(await findServer('example.org', 'tls', { srv: srvFrom({ [TLS]: [] }) }), [{ host: 'example.org', port: 5223, directTls: true }]);
    const timeout = Object.assign(new Error('querySrv ETIMEOUT'), { code: 'ETIMEOUT' });
    assert.deepEqual(await findServer('example.org', 'none', { srv: srvFrom({ [PLAIN]: timeout }) }), [{ host: 'example.org', port: 5222, directTls: false }]);
  });

  it('a "." target: that service is not offered; the other one is used, and without it there is no fallback', async () => {
    // Direct TLS not offered, STARTTLS is: the STARTTLS records.
    assert.deepEqual(await findServer('example.org', 'starttls', { srv: srvFrom({ [TLS]: [DOT], [PLAIN]: [srv('plain.example.org', 5222)] }) }), [
      { host: 'plain.example.org', port: 5222, directTls: false },
    ]);
    // Neither: a named failure, not the domain's address.
    await assert.rejects(findServer('example.org', 'starttls', { srv: srvFrom({ [TLS]: [DOT], [PLAIN]: [{ ...DOT, name: '.' }] }) }), (error: unknown) => {
      assert.ok(error instanceof UnreachableError);
      assert.equal(error.code, 'host-not-found');
      assert.deepEqual(
        error.tried.map((t) => `${t.address} ${t.outcome}`),
        [`${TLS} no-service`, `${PLAIN} no-service`],
      );
      return true;
    });
    // Direct TLS only, and the domain says it has none (XEP-0368: no A/AAAA fallback).
    await assert.rejects(findServer('example.org', 'tls', { srv: srvFrom({ [TLS]: [DOT] }) }), (error: unknown) => error instanceof UnreachableError && error.detail === `${TLS} no-service`);
  });

  it('the same target twice is tried once', async () => {
    const lookup = srvFrom({ [PLAIN]: [srv('a.example.org', 5222, 0), srv('a.example.org', 5222, 1), srv('b.example.org', 5222, 2)] });
    assert.deepEqual((await findServer('example.org', 'none', { srv: lookup })).map((a) => a.host), ['a.example.org', 'b.example.org']);
  });

  it('service URIs name the transport; a redirect target is read back, IPv6 in brackets', () => {
    assert.equal(serviceUri({ host: 'a.example.org', port: 5223, directTls: true }), 'xmpps://a.example.org:5223');
    assert.equal(serviceUri({ host: '::1', port: 5222, directTls: false }), 'xmpp://[::1]:5222');
    assert.deepEqual(addressOf('xmpp://[::1]:5222'), { host: '::1', port: 5222, directTls: false });
    assert.deepEqual(addressOf('xmpps://b.example.org:443'), { host: 'b.example.org', port: 443, directTls: true });
    assert.equal(addressOf('b.example.org'), undefined);
  });
});
