// XMPP over WebSocket (RFC 7395) against a real Prosody (mod_websocket): the same trust, login,
// messages, stream-management resume and outbox as over TCP, and the endpoint discovered from
// the domain's host-meta (XEP-0156).
import { strict as assert } from 'node:assert';
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { XmppClient } from '../../nodes/core/client';
import type { SessionStatus } from '../../nodes/core/session/session';
import type { TestSessionOptions } from '../rig/core-client';
import { loadXmpp } from '../../nodes/core/xmpp-lib';
import { coreClient } from '../rig/core-client';
import { Peer, eventually, waitFor } from '../rig/peer';
import { Prosody } from '../rig/prosody';
import { configNode, functionNode, helper, lastStatus, nodes, startServer, stopServer } from '../rig/red';
import { TcpProxy } from '../rig/tcp-proxy';
import { bodies, resumesThroughCut } from '../rig/resume-scenario';

interface Watched {
  client: XmppClient;
  statuses: SessionStatus[];
  until(match: (s: SessionStatus) => boolean, what: string, timeoutMs?: number): Promise<SessionStatus>;
}


describe('XMPP over WebSocket (Prosody mod_websocket)', function () {
  this.timeout(30_000);
  let prosody: Prosody;
  let peer: Peer;
  const open: XmppClient[] = [];
  let wss: string;

  function watch(options: TestSessionOptions): Watched {
    const client = coreClient({ jid: { local: 'bot', domain: 'localhost', resource: 'ws' }, backoff: { initialMs: 200, maxMs: 1000, stableMs: 30_000 }, ...options });
    open.push(client);
    const statuses: SessionStatus[] = [];
    const events = new EventEmitter();
    client.onStatus((status) => {
      statuses.push(status);
      events.emit('status', status);
    });
    client.start();
    return {
      client,
      statuses,
      until: (match, what, timeoutMs = 10_000) => (match(client.status) ? Promise.resolve(client.status) : waitFor(events, 'status', (s: SessionStatus) => (match(s) ? s : undefined), timeoutMs, what)),
    };
  }
  const pinned = (): TestSessionOptions['trust'] => ({ mode: 'pin', pin: prosody.fingerprint256 });
  const settled = (s: SessionStatus): boolean => s.state === 'online' || s.state === 'failed';

  before(async () => {
    await loadXmpp();
    await startServer();
    prosody = await Prosody.start({ tls: true, websocket: true, iterations: 100, offline: true });
    await prosody.register('bot', 'bot-pw');
    await prosody.register('peer', 'peer-pw');
    wss = `wss://localhost:${prosody.httpsPort}/xmpp-websocket`;
    peer = await Peer.connect({ port: prosody.port, jid: 'peer@localhost', password: 'peer-pw', ignoreStarttls: true });
  });

  afterEach(async () => {
    await helper.unload();
    await Promise.all(open.splice(0).map((client) => client.stop()));
    peer.received.length = 0;
  });

  after(async () => {
    await peer?.stop();
    await prosody?.stop();
    await stopServer();
  });

  it('a flow over wss:// with a pinned certificate: an echo bot answers a TCP client', async () => {
    await helper.load(
      [...nodes, functionNode],
      [
        { id: 'f1', type: 'tab', label: 'ws' },
        configNode('cfg', 'bot@localhost/flows', 0, { transport: 'websocket', wsUrl: wss, security: 'starttls', trust: 'pin', pin: prosody.fingerprint256 }),
        { id: 'in', type: 'xmpp-in', z: 'f1', server: 'cfg', from: '', msgType: 'any', bodiless: false, wires: [['echo']] },
        { id: 'echo', type: 'function', z: 'f1', func: 'msg.payload = "echo: " + msg.payload; return msg;', outputs: 1, wires: [['out']] },
        { id: 'out', type: 'xmpp-out', z: 'f1', server: 'cfg', to: '', msgType: 'chat', subject: '', wires: [] },
      ],
      { cfg: { password: 'bot-pw' } },
    );
    await eventually(() => lastStatus('in'), (s) => s?.fill === 'green', 15_000, 'connected over WebSocket');
    const reply = peer.nextMessage((m) => m.getChildText('body') === 'echo: über WebSocket ✓');
    await peer.send('bot@localhost/flows', 'über WebSocket ✓');
    assert.equal((await reply).attrs.from, 'bot@localhost/flows');
  });

  it('logs in over wss:// and ws:// (the mechanism and the time of a second login are reported)', async () => {
    for (const [url, security] of [[wss, 'starttls'], [`ws://127.0.0.1:${prosody.httpPort}/xmpp-websocket`, 'none']] as const) {
      let last: SessionStatus | undefined;
      let ms = 0;
      for (let i = 0; i < 2; i += 1) {
        const started = Date.now();
        const run = watch({ websocket: { url }, security, trust: pinned(), jid: { local: 'bot', domain: 'localhost', resource: `login${i}` } });
        last = await run.until(settled, 'online');
        ms = Date.now() - started;
        await run.client.stop();
      }
      console.log(`      Prosody over ${url.split(':')[0]}://: ${last?.mechanism ?? last?.error?.code} in ${ms} ms (100 rounds)`);
      assert.equal(last?.state, 'online');
      assert.equal(last?.mechanism, 'SCRAM-SHA-1');
    }
  });

  it('ws:// only with Security none; wss:// with an untrusted certificate is refused', async () => {
    const plain = watch({ websocket: { url: `ws://127.0.0.1:${prosody.httpPort}/xmpp-websocket` }, security: 'none' });
    assert.equal((await plain.until(settled, 'online')).state, 'online');
    const refused = watch({ websocket: { url: `ws://127.0.0.1:${prosody.httpPort}/xmpp-websocket` }, security: 'starttls', jid: { local: 'bot', domain: 'localhost', resource: 'ws2' } });
    const failed = await refused.until(settled, 'failed');
    assert.equal(failed.state, 'failed');
    assert.equal(failed.error?.code, 'tls-unavailable');
    const untrusted = watch({ websocket: { url: wss }, security: 'starttls', jid: { local: 'bot', domain: 'localhost', resource: 'ws3' } });
    const notTrusted = await untrusted.until((s) => s.error !== undefined, 'an error');
    assert.equal(notTrusted.error?.code, 'tls-untrusted', JSON.stringify(notTrusted));
    const wrongPin = watch({ websocket: { url: wss }, security: 'starttls', trust: { mode: 'pin', pin: 'AB'.repeat(32) }, jid: { local: 'bot', domain: 'localhost', resource: 'ws4' } });
    assert.equal((await wrongPin.until((s) => s.error !== undefined, 'an error')).error?.code, 'tls-untrusted');
  });

  it('stream management resumes through a cut relay: nothing lost, nothing twice, either way', async () => {
    const proxy = await TcpProxy.start(prosody.httpsPort);
    try {
      const bot = watch({ websocket: { url: `wss://localhost:${proxy.port}/xmpp-websocket` }, security: 'starttls', trust: pinned() });
      await bot.until((s) => s.state === 'online', 'online');
      await resumesThroughCut(bot, proxy, peer, 80, 10);
    } finally {
      await proxy.stop();
    }
  });

  it('the endpoint found in the domain\'s host-meta (XEP-0156), XML or JSON, over HTTPS with the same trust', async () => {
    const documents: Record<string, string> = {};
    const served: string[] = [];
    const meta: Server = createServer({ cert: readFileSync(prosody.certFile), key: readFileSync(prosody.certFile.replace(/\.crt$/, '.key')) }, (request, response) => {
      served.push(request.url ?? '');
      const body = documents[request.url ?? ''];
      response.writeHead(body ? 200 : 404, { 'content-type': 'application/xrd+xml' });
      response.end(body ?? '');
    });
    await new Promise<void>((resolve) => meta.listen(0, '127.0.0.1', resolve));
    const address = meta.address();
    const base = `https://localhost:${typeof address === 'object' && address ? address.port : 0}`;
    try {
      documents['/.well-known/host-meta'] = `<?xml version='1.0' encoding='utf-8'?>\n<XRD xmlns='http://docs.oasis-open.org/ns/xri/xrd-1.0'>\n  <Link rel="urn:xmpp:alt-connections:xbosh" href="https://localhost/http-bind"/>\n  <Link rel="urn:xmpp:alt-connections:websocket" href="${wss}"/>\n</XRD>`;
      const xml = watch({ websocket: { discoveryBase: base }, security: 'starttls', trust: pinned() });
      const online = await xml.until(settled, 'online');
      assert.equal(online.state, 'online', JSON.stringify(online));
      assert.deepEqual(served, ['/.well-known/host-meta']);
      await xml.client.stop();

      delete documents['/.well-known/host-meta'];
      documents['/.well-known/host-meta.json'] = JSON.stringify({ links: [{ rel: 'urn:xmpp:alt-connections:websocket', href: wss }] });
      served.length = 0;
      const json = watch({ websocket: { discoveryBase: base }, security: 'starttls', trust: pinned(), jid: { local: 'bot', domain: 'localhost', resource: 'json' } });
      assert.equal((await json.until(settled, 'online')).state, 'online');
      assert.deepEqual(served, ['/.well-known/host-meta', '/.well-known/host-meta.json']);

      // A host-meta whose certificate this connection does not trust is not read.
      const untrusted = watch({ websocket: { discoveryBase: base }, security: 'starttls', jid: { local: 'bot', domain: 'localhost', resource: 'untrusted' } });
      assert.equal((await untrusted.until((s) => s.error !== undefined, 'an error')).error?.code, 'tls-untrusted');
      served.length = 0;
      const wrongPin = watch({ websocket: { discoveryBase: base }, security: 'starttls', trust: { mode: 'pin', pin: 'AB'.repeat(32) }, jid: { local: 'bot', domain: 'localhost', resource: 'wrongpin' } });
      assert.equal((await wrongPin.until((s) => s.error !== undefined, 'an error')).error?.code, 'tls-untrusted');
      assert.deepEqual(served, [], 'no request reached a host-meta server whose certificate is not the pinned one');
      // Nothing about WebSocket in it: named, with where we looked.
      delete documents['/.well-known/host-meta.json'];
      const none = watch({ websocket: { discoveryBase: base }, security: 'starttls', trust: pinned(), jid: { local: 'bot', domain: 'localhost', resource: 'none' } });
      const missing = await none.until((s) => s.error !== undefined, 'an error');
      assert.equal(missing.error?.code, 'host-not-found');
      assert.match(missing.error?.detail ?? '', /host-meta/);
    } finally {
      meta.close();
    }
  });

  it('a server killed and started again: the outbox waits and sends in order over the new WebSocket', async () => {
    const bot = watch({ websocket: { url: wss }, security: 'starttls', trust: pinned() });
    await bot.until((s) => s.state === 'online', 'online');
    await prosody.kill('SIGKILL');
    await bot.until((s) => s.state === 'retrying', 'retrying');
    await peer.stop();
    // To the bare JID: if the bot is back before the peer, the server keeps them for it (offline storage).
    const queued = Array.from({ length: 5 }, (_, i) => bot.client.messages.send({ to: 'peer@localhost', type: 'chat', body: `queued ${i}` }));
    await prosody.launch();
    const mark = bot.statuses.length;
    peer = await Peer.connect({ port: prosody.port, jid: 'peer@localhost', password: 'peer-pw', resource: 'again', ignoreStarttls: true });
    const online = await bot.until((s) => s.state === 'online' && bot.statuses.indexOf(s) >= mark - 1, 'online again', 15_000);
    assert.equal(online.resumed, false);
    await Promise.all(queued);
    const queuedBodies = (): string[] => bodies(peer.received).filter((b) => b.startsWith('queued'));
    await eventually(queuedBodies, (list) => list.length >= 5, 10_000, 'the queued messages');
    assert.deepEqual(queuedBodies(), Array.from({ length: 5 }, (_, i) => `queued ${i}`));
  });

  it('the config node refuses a ws:// URL unless Security is none, at once and by name', async () => {
    await helper.load(
      nodes,
      [
        { id: 'f1', type: 'tab', label: 'ws' },
        configNode('cfg', 'bot@localhost/bad', 0, { transport: 'websocket', wsUrl: `ws://127.0.0.1:${prosody.httpPort}/xmpp-websocket`, security: 'starttls' }),
        { id: 'out', type: 'xmpp-out', z: 'f1', server: 'cfg', to: '', msgType: 'chat', subject: '', wires: [] },
      ],
      { cfg: { password: 'bot-pw' } },
    );
    const status = await eventually(() => lastStatus('out'), (s) => s?.fill === 'red', 5000, 'a red status');
    assert.equal(status?.text, 'xmpp-config.reason.tls-unavailable');
  });
});
