// Which servers a connection trusts, decided per connection: against a real Prosody with a
// self-signed certificate for "localhost", over STARTTLS and direct TLS, through the core
// Session and through xmpp-config nodes in a real Node-RED runtime.
import { strict as assert } from 'node:assert';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join, resolve } from 'node:path';
import type { Security } from '../../nodes/core/session/server-address';
import type { Session, SessionOptions, SessionStatus } from '../../nodes/core/session/session';
import { loadXmpp } from '../../nodes/core/xmpp-lib';
import { coreSession } from '../rig/core-client';
import type { TlsTrust } from '../../nodes/core/session/tls-trust';
import { eventually } from '../rig/peer';
import { Prosody } from '../rig/prosody';
import { configNode, getNode, helper, lastStatus, nodes, startServer, stopServer, type FlowNode } from '../rig/red';
import { english } from '../unit/english';

const PASSWORD = 'tls-secret-41d9';
const DOMAIN = 'localhost';
/** The repository, seen from dist/test/integration. */
const ROOT = resolve(__dirname, '../../..');

/** A Session plus every status it went through. */
interface Run {
  session: Session;
  seen: SessionStatus[];
}

function describeStates(seen: SessionStatus[]): string {
  return seen.map((s) => s.state + (s.error ? `(${s.error.code}: ${s.error.detail})` : '')).join(' → ');
}

/** Resolves with the first status (the current one included) that passes `ok`. */
function until(run: Run, ok: (status: SessionStatus) => boolean, what: string, timeoutMs = 10_000): Promise<SessionStatus> {
  if (ok(run.session.status)) return Promise.resolve(run.session.status);
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; seen ${describeStates(run.seen)}`));
    }, timeoutMs);
    const off = run.session.onStatus((status) => {
      if (!ok(status)) return;
      clearTimeout(timer);
      off();
      resolvePromise(status);
    });
  });
}

/** Every file under a folder, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe('TLS trust, per connection, against a Prosody with a self-signed certificate', function () {
  this.timeout(30_000);
  let prosody: Prosody;
  /** A second Prosody without TLS at all: it offers no STARTTLS. */
  let plainProsody: Prosody;
  let pem: string;
  const runs: Session[] = [];

  before(async () => {
    await loadXmpp();
    assert.equal(process.env.NODE_TLS_REJECT_UNAUTHORIZED, undefined, 'NODE_TLS_REJECT_UNAUTHORIZED is set before the tests');
    [prosody, plainProsody] = await Promise.all([Prosody.start({ tls: true, iterations: 100 }), Prosody.start({ iterations: 100 })]);
    pem = readFileSync(prosody.certFile, 'utf8');
    const accounts = ['untrusted', 'pemca', 'pin', 'pinwrong', 'anycert', 'clear', 'nrsystem', 'nrfile', 'nrpin', 'nrany', 'nrbadca', 'slowstarttls', 'slowtls'];
    await Promise.all(accounts.map((user) => prosody.register(user, PASSWORD)));
    await Promise.all(['notls', 'nrnotls'].map((user) => plainProsody.register(user, PASSWORD)));
    await startServer();
  });

  after(async () => {
    await Promise.all(runs.map((session) => session.stop()));
    await Promise.all([prosody?.stop(), plainProsody?.stop()]);
    await stopServer();
    assert.equal(process.env.NODE_TLS_REJECT_UNAUTHORIZED, undefined, 'NODE_TLS_REJECT_UNAUTHORIZED is set after the tests');
  });

  /** Starts a Session for user@localhost on 127.0.0.1; STARTTLS on the c2s port, direct TLS on the TLS port. */
  function open(user: string, resource: string, security: Security, trust?: TlsTrust, server = prosody, extra: Partial<SessionOptions> = {}): Run {
    const { session } = coreSession({
      jid: { local: user, domain: DOMAIN, resource },
      password: PASSWORD,
      port: security === 'tls' ? server.tlsPort : server.port,
      security,
      ...(trust ? { trust } : {}),
      backoff: { initialMs: 100, maxMs: 1000, stableMs: 5000 },
      ...extra,
    });
    const run: Run = { session, seen: [] };
    session.onStatus((status) => run.seen.push(status));
    runs.push(session);
    session.start();
    return run;
  }

  /** The Security column of Prosody's own session list for one full JID ('TLSv1.3', 'insecure', …). */
  async function securityOf(fullJid: string, server = prosody): Promise<string | undefined> {
    const out = await server.shell('c2s:show()');
    const header = out.split('\n').find((line) => line.startsWith('Session ID'));
    assert.ok(header, `no session table in: ${out}`);
    const column = header.split('|').findIndex((cell) => cell.trim() === 'Security');
    const row = out.split('\n').find((line) => line.split('|')[1]?.trim() === fullJid);
    return row?.split('|')[column]?.trim();
  }

  async function connectsEncrypted(run: Run): Promise<void> {
    const online = await until(run, (s) => s.state === 'online' || s.state === 'retrying' || s.state === 'failed', 'online');
    assert.equal(online.state, 'online', describeStates(run.seen));
    assert.equal(await securityOf(online.jid), 'TLSv1.3', `${online.jid} is not listed as encrypted`);
  }

  async function refusedUntrusted(run: Run): Promise<void> {
    const refused = await until(run, (s) => s.state !== 'idle' && s.state !== 'connecting', 'a refusal');
    assert.ok(refused.state === 'retrying' || refused.state === 'failed', describeStates(run.seen));
    assert.equal(refused.error?.code, 'tls-untrusted', describeStates(run.seen));
  }

  /**
   * The account never logged in: a bounded watch window (a login that goes on after the refusal
   * takes a few ms here), then Prosody's own session list and log.
   */
  async function neverAuthenticated(user: string, server = prosody): Promise<void> {
    await new Promise((resolveDelay) => setTimeout(resolveDelay, 400));
    assert.deepEqual(await server.sessionJids(`${user}@${DOMAIN}`), [], `${user} has a session on the server`);
    assert.doesNotMatch(server.log(), new RegExp(`Authenticated as ${user}@${DOMAIN}`), `${user} logged in`);
  }

  describe('the core Session', () => {
    afterEach(async () => {
      await Promise.all(runs.map((session) => session.stop()));
    });

    it('with the system CAs (the default) refuses the self-signed certificate, over STARTTLS and direct TLS, and never logs in', async () => {
      const starttls = open('untrusted', 'starttls', 'starttls');
      const direct = open('untrusted', 'direct', 'tls');
      await refusedUntrusted(starttls);
      await refusedUntrusted(direct);
      assert.equal(starttls.session.status.error?.detail, 'DEPTH_ZERO_SELF_SIGNED_CERT');
      await Promise.all([starttls.session.stop(), direct.session.stop()]);
      await neverAuthenticated('untrusted');
    });

    it('trusts the certificate pasted as PEM as its CA: connects over STARTTLS and direct TLS, and Prosody lists both sessions as TLSv1.3', async () => {
      await connectsEncrypted(open('pemca', 'starttls', 'starttls', { mode: 'ca', ca: pem }));
      await connectsEncrypted(open('pemca', 'direct', 'tls', { mode: 'ca', ca: pem }));
    });

    it('the encryption check tells them apart: security none on the same server is listed as insecure', async () => {
      const run = open('clear', 'none', 'none');
      const online = await until(run, (s) => s.state === 'online', 'online');
      assert.equal(await securityOf(online.jid), 'insecure');
    });

    it('with the right pin (as Node prints it, or lower-case hex) connects over STARTTLS and direct TLS, encrypted', async () => {
      await connectsEncrypted(open('pin', 'starttls', 'starttls', { mode: 'pin', pin: prosody.fingerprint256 }));
      await connectsEncrypted(open('pin', 'direct', 'tls', { mode: 'pin', pin: prosody.fingerprint256.replace(/:/g, '').toLowerCase() }));
    });

    it('with a wrong pin refuses with tls-untrusted, over STARTTLS and direct TLS, and never logs in', async () => {
      const wrong: TlsTrust = { mode: 'pin', pin: 'AB'.repeat(32) };
      const starttls = open('pinwrong', 'starttls', 'starttls', wrong);
      const direct = open('pinwrong', 'direct', 'tls', wrong);
      await refusedUntrusted(starttls);
      await refusedUntrusted(direct);
      assert.match(english(direct.session.status.error), /pinned fingerprint/);
      // Not stopped before the watch window: the refusal itself must keep the login from happening.
      await neverAuthenticated('pinwrong');
    });

    it('with trust any connects over STARTTLS and direct TLS, encrypted', async () => {
      await connectsEncrypted(open('anycert', 'starttls', 'starttls', { mode: 'any' }));
      await connectsEncrypted(open('anycert', 'direct', 'tls', { mode: 'any' }));
    });

    it('security starttls against a server that offers no STARTTLS fails once with tls-unavailable and never logs in', async () => {
      const connectionsBefore = plainProsody.log().match(/Client connected/g)?.length ?? 0;
      const run = open('notls', 'starttls', 'starttls', undefined, plainProsody);
      const failed = await until(run, (s) => s.state === 'failed' || s.state === 'online' || s.state === 'retrying', 'the end of the attempt');
      assert.equal(failed.state, 'failed', describeStates(run.seen));
      assert.equal(failed.error?.code, 'tls-unavailable');
      // Watch window (backoff starts at 100 ms): no second attempt comes.
      await new Promise((resolveDelay) => setTimeout(resolveDelay, 800));
      assert.deepEqual(run.seen.map((s) => s.state), ['connecting', 'failed']);
      assert.equal((plainProsody.log().match(/Client connected/g)?.length ?? 0) - connectionsBefore, 1, 'connections to the server');
      await neverAuthenticated('notls', plainProsody);
    });

    it('an attempt that times out is closed, not left to log in on its own: STARTTLS and direct TLS', async () => {
      // A 1 ms login deadline: the attempt is given up while the socket is still connecting.
      const slow = { connectTimeoutMs: 1, backoff: { initialMs: 5000, maxMs: 5000, stableMs: 5000 } };
      const starttls = open('slowstarttls', 'starttls', 'starttls', { mode: 'ca', ca: pem }, prosody, slow);
      const direct = open('slowtls', 'direct', 'tls', { mode: 'ca', ca: pem }, prosody, slow);
      for (const run of [starttls, direct]) {
        const given = await until(run, (s) => s.state === 'retrying', 'retrying');
        assert.equal(given.error?.code, 'connection-timeout');
      }
      await neverAuthenticated('slowstarttls');
      await neverAuthenticated('slowtls');
    });

    describe('PLAIN over an unencrypted stream', () => {
      let fake: Server;
      let port: number;
      let received: string[];
      const closed: Array<Promise<void>> = [];

      // A server that offers only PLAIN and no STARTTLS, and records what it is sent.
      before(async () => {
        fake = createServer((socket: Socket) => {
          let text = '';
          received.push('');
          const index = received.length - 1;
          closed.push(new Promise((resolveClose) => socket.once('close', () => resolveClose())));
          socket.on('error', () => undefined);
          socket.on('data', (data) => {
            const first = text === '';
            text += data.toString('utf8');
            received[index] = text;
            if (!first) return;
            socket.write(
              "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' id='s1' from='localhost' version='1.0' xml:lang='en'>" +
                "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>",
            );
          });
        });
        await new Promise<void>((resolveListen) => fake.listen(0, '127.0.0.1', resolveListen));
        const address = fake.address();
        port = typeof address === 'object' && address ? address.port : 0;
      });

      beforeEach(() => {
        received = [];
        closed.length = 0;
      });

      after(() => new Promise<void>((resolveClose) => fake.close(() => resolveClose())));

      function openFake(security: Security): Run {
        const { session } = coreSession({ jid: { local: 'plain', domain: DOMAIN, resource: 'r' }, password: PASSWORD, port, security });
        const run: Run = { session, seen: [] };
        session.onStatus((status) => run.seen.push(status));
        runs.push(session);
        session.start();
        return run;
      }

      it('security starttls: the server sees a stream header and nothing else, never <auth> or the password', async () => {
        const run = openFake('starttls');
        const failed = await until(run, (s) => s.state === 'failed', 'failed');
        assert.equal(failed.error?.code, 'tls-unavailable');
        await closed[0];
        assert.equal(received.length, 1);
        assert.match(received[0] ?? '', /<stream:stream/);
        assert.doesNotMatch(received[0] ?? '', /<auth/);
        assert.ok(!(received[0] ?? '').includes(Buffer.from(`\0plain\0${PASSWORD}`).toString('base64')));
        assert.ok(!(received[0] ?? '').includes(PASSWORD));
      });

      it('security none (the user chose no encryption): the same server does get PLAIN, so the check above can see it', async () => {
        const run = openFake('none');
        await eventually(() => received[0] ?? '', (text) => text.includes('<auth'), 5000, '<auth> at the server');
        assert.match(received[0] ?? '', /mechanism=["']PLAIN["']/);
        await run.session.stop(100); // the fake server never closes its stream
      });
    });
  });

  describe('through xmpp-config nodes in Node-RED', () => {
    function flow(user: string, port: number, fields: Record<string, string>): FlowNode[] {
      return [
        { id: 'f1', type: 'tab', label: 'tls' },
        configNode('cfg', `${user}@${DOMAIN}/flows`, port, { trust: 'system', ca: '', pin: '', ...fields }),
        { id: 'in', type: 'xmpp-in', z: 'f1', server: 'cfg', from: '', msgType: 'any', bodiless: false, wires: [] },
      ];
    }

    async function load(user: string, port: number, fields: Record<string, string>): Promise<void> {
      await helper.load(nodes, flow(user, port, fields), { cfg: { password: PASSWORD } });
    }

    /** What the config node passed to warn() or error(). */
    function said(kind: 'warn' | 'error'): unknown[] {
      const node = getNode('cfg');
      return node[kind].getCalls().filter((call) => call.thisValue === node).map((call) => call.args[0]);
    }

    afterEach(async () => {
      await helper.unload();
    });

    it('default trust over STARTTLS: xmpp-in turns red (retrying) and the config node warns that the certificate is not trusted', async () => {
      await load('nrsystem', prosody.port, { security: 'starttls' });
      const status = await eventually(() => lastStatus('in'), (s) => s?.fill === 'red', 10_000, 'a red status');
      // Under the test helper RED._ returns the key: the retrying text carries the reason in
      // its substitutions, and the config node's warning names it.
      assert.deepEqual(status, { fill: 'red', shape: 'ring', text: 'xmpp-config.status.retrying' });
      await eventually(() => said('warn'), (w) => w.includes('xmpp-config.reason.tls-untrusted'), 5000, 'the tls-untrusted warning');
      assert.doesNotMatch(prosody.log(), /Authenticated as nrsystem@/);
    });

    it('trust ca with the certificate file\'s path, direct TLS: green, and Prosody lists the session as TLSv1.3', async () => {
      await load('nrfile', prosody.tlsPort, { security: 'tls', trust: 'ca', ca: prosody.certFile });
      await eventually(() => lastStatus('in'), (s) => s?.fill === 'green', 10_000, 'a green status');
      assert.equal(lastStatus('in')?.text, `nrfile@${DOMAIN}`);
      assert.equal(await securityOf(`nrfile@${DOMAIN}/flows`), 'TLSv1.3');
      assert.deepEqual(said('warn'), []);
    });

    it('trust pin with the right fingerprint over STARTTLS: green and encrypted', async () => {
      await load('nrpin', prosody.port, { security: 'starttls', trust: 'pin', pin: prosody.fingerprint256.toLowerCase() });
      await eventually(() => lastStatus('in'), (s) => s?.fill === 'green', 10_000, 'a green status');
      assert.equal(await securityOf(`nrpin@${DOMAIN}/flows`), 'TLSv1.3');
    });

    it('trust any: connects, and the config node warns that any certificate is accepted', async () => {
      await load('nrany', prosody.port, { security: 'starttls', trust: 'any' });
      await eventually(() => lastStatus('in'), (s) => s?.fill === 'green', 10_000, 'a green status');
      assert.equal(await securityOf(`nrany@${DOMAIN}/flows`), 'TLSv1.3');
      assert.deepEqual(said('warn'), ['xmpp-config.warning.any']);
    });

    it('security starttls against a server without STARTTLS: red with the reason tls-unavailable, an error, no login', async () => {
      await load('nrnotls', plainProsody.port, { security: 'starttls' });
      await eventually(() => lastStatus('in'), (s) => s?.fill === 'red', 10_000, 'a red status');
      assert.deepEqual(lastStatus('in'), { fill: 'red', shape: 'ring', text: 'xmpp-config.reason.tls-unavailable' });
      assert.deepEqual(said('error'), ['xmpp-config.reason.tls-unavailable']);
      await neverAuthenticated('nrnotls', plainProsody);
      assert.equal(lastStatus('in')?.text, 'xmpp-config.reason.tls-unavailable', 'still failed, not retrying');
    });

    it('trust ca with a file that cannot be read: red at once with the reason tls-untrusted, and no connection', async () => {
      const connectionsBefore = prosody.log().match(/Client connected/g)?.length ?? 0;
      await load('nrbadca', prosody.port, { security: 'starttls', trust: 'ca', ca: join(prosody.dir, 'no-such-ca.pem') });
      assert.deepEqual(lastStatus('in'), { fill: 'red', shape: 'ring', text: 'xmpp-config.reason.tls-untrusted' });
      await neverAuthenticated('nrbadca');
      assert.equal(prosody.log().match(/Client connected/g)?.length ?? 0, connectionsBefore, 'connections to the server');
    });
  });

  it('no file under nodes/ (sources and build) mentions NODE_TLS_REJECT_UNAUTHORIZED', () => {
    const files = [...filesUnder(join(ROOT, 'nodes')), ...filesUnder(join(ROOT, 'dist', 'nodes'))];
    assert.ok(files.some((file) => file.endsWith('tls-trust.ts')) && files.some((file) => file.endsWith('tls-trust.js')), 'looked in the right places');
    const offenders = files.filter((file) => readFileSync(file, 'utf8').includes('NODE_TLS_REJECT_UNAUTHORIZED'));
    assert.deepEqual(offenders, []);
  });
});
