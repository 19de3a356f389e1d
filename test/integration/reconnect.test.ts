// Staying connected: backoff, restarts, resumption, dead lines, conflicts, clean close, outbox.
import { strict as assert } from 'node:assert';
import { XmppError } from '../../nodes/core/errors';
import type { XmppClient } from '../../nodes/core/client';
import type { SessionStatus } from '../../nodes/core/session/session';
import { loadXmpp } from '../../nodes/core/xmpp-lib';
import { coreClient, type TestSessionOptions } from '../rig/core-client';
import { Peer, eventually, waitFor } from '../rig/peer';
import { Prosody, freePort } from '../rig/prosody';
import { TcpProxy } from '../rig/tcp-proxy';
import type { XmlElement } from '../../nodes/core/xmpp-lib';
import { EventEmitter } from 'node:events';

interface Watched {
  session: XmppClient;
  statuses: SessionStatus[];
  events: EventEmitter;
  until(match: (status: SessionStatus) => boolean, timeoutMs?: number, what?: string): Promise<SessionStatus>;
}

function watch(options: TestSessionOptions & { port: number }): Watched {
  const session = coreClient({
    jid: { local: 'bot', domain: 'localhost', resource: 'rc' },
    backoff: { initialMs: 200, maxMs: 2000, stableMs: 30_000 },
    ...options,
  });
  const statuses: SessionStatus[] = [];
  const events = new EventEmitter();
  session.onStatus((status) => {
    statuses.push(status);
    events.emit('status', status);
  });
  return {
    session,
    statuses,
    events,
    until: (match, timeoutMs = 10_000, what = 'a status') =>
      match(session.status) ? Promise.resolve(session.status) : waitFor(events, 'status', (s: SessionStatus) => (match(s) ? s : undefined), timeoutMs, what),
  };
}

const isOnline = (s: SessionStatus): boolean => s.state === 'online';
const isRetrying = (s: SessionStatus): boolean => s.state === 'retrying';
const bodies = (stanzas: XmlElement[]): string[] => stanzas.filter((s) => s.name === 'message').map((m) => m.getChildText('body') ?? '');

describe('staying connected', function () {
  this.timeout(30_000);
  let prosody: Prosody;
  let proxy: TcpProxy;
  let peer: Peer;
  const open: XmppClient[] = [];

  before(async () => {
    await loadXmpp();
    prosody = await Prosody.start({ iterations: 100 });
    await prosody.register('bot', 'bot-pw');
    await prosody.register('peer', 'peer-pw');
    proxy = await TcpProxy.start(prosody.port);
  });

  beforeEach(async () => {
    peer = await Peer.connect({ port: prosody.port, jid: 'peer@localhost', password: 'peer-pw' });
    proxy.setMode('pass');
  });

  afterEach(async () => {
    prosody.resume();
    await Promise.all(open.splice(0).map((session) => session.stop()));
    await peer.stop();
    await eventually(() => prosody.sessionCount('bot@localhost'), (n) => n === 0, 15_000, 'no bot session left');
  });

  after(async () => {
    await proxy?.stop();
    await prosody?.stop();
  });

  function start(options: TestSessionOptions & { port: number }): Watched {
    const watched = watch(options);
    open.push(watched.session);
    watched.session.start();
    return watched;
  }

  it('when the server is down from the start, it retries with growing delays and connects once the server is up', async () => {
    const port = await freePort();
    const bot = start({ port, backoff: { initialMs: 100, maxMs: 800, stableMs: 30_000 } });
    await bot.until((s) => isRetrying(s) && (s.attempt ?? 0) >= 5, 10_000, 'five failed attempts');
    const retries = bot.statuses.filter(isRetrying);
    for (const status of retries) {
      assert.equal(status.error?.code, 'connection-refused');
      const ceiling = Math.min(800, 100 * 2 ** ((status.attempt ?? 1) - 1));
      assert.ok((status.retryInMs ?? 0) >= ceiling / 2 && (status.retryInMs ?? 0) <= ceiling, `attempt ${status.attempt}: ${status.retryInMs} ms within [${ceiling / 2}, ${ceiling}]`);
    }
    const late = await Prosody.start({ iterations: 100, port });
    try {
      await late.register('bot', 'bot-pw');
      const upAt = Date.now();
      await bot.until(isOnline, 5000, 'online after the server came up');
      const ms = Date.now() - upAt;
      console.log(`      server up → connected in ${ms} ms (backoff capped at 800 ms)`);
      assert.ok(ms <= 800 + 1000, `${ms} ms`);
      await bot.session.stop();
    } finally {
      await late.stop();
    }
  });

  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    it(`after a server restart (${signal}) the status shows the retries and then connected again`, async () => {
      const bot = start({ port: prosody.port });
      await bot.until(isOnline);
      await prosody.kill(signal);
      await bot.until(isRetrying, 10_000, 'retrying');
      const restartedAt = Date.now();
      await prosody.launch();
      const online = await bot.until((s) => isOnline(s) && bot.statuses.indexOf(s) > 0, 10_000, 'online again');
      console.log(`      ${signal}: server back → connected in ${Date.now() - restartedAt} ms (resumed: ${online.resumed})`);
      assert.equal(online.resumed, false, 'a restarted server cannot resume the session');
      peer = await Peer.connect({ port: prosody.port, jid: 'peer@localhost', password: 'peer-pw', resource: 'again' });
      const got = peer.nextMessage((m) => m.getChildText('body') === 'back');
      await bot.session.messages.send({ to: 'peer@localhost/again', type: 'chat', body: 'back' });
      await got;
    });
  }

  it('a short outage resumes the session (XEP-0198): nothing lost, nothing twice, either way', async () => {
    const bot = start({ port: proxy.port });
    await bot.until(isOnline);
    // One round trip first: stream management is enabled by then.
    const warm = peer.nextMessage((m) => m.getChildText('body') === 'warm-up');
    await bot.session.messages.send({ to: 'peer@localhost/peer', type: 'chat', body: 'warm-up' });
    await warm;
    peer.received.length = 0;
    const firstJid = bot.session.jid;
    const mark = bot.statuses.length;
    const toPeer: Promise<void>[] = [];
    for (let i = 0; i < 50; i += 1) toPeer.push(bot.session.messages.send({ to: 'peer@localhost/peer', type: 'chat', body: `m${i}` }));
    proxy.cut();
    for (let i = 50; i < 100; i += 1) toPeer.push(bot.session.messages.send({ to: 'peer@localhost/peer', type: 'chat', body: `m${i}` }));
    // The peer writes to the bot while it is away: the server keeps these for the resumed session.
    const toBot: string[] = [];
    bot.session.messages.onMessage((m) => toBot.push(m.body ?? ''));
    for (let i = 0; i < 20; i += 1) await peer.send(firstJid, `p${i}`);
    const back = await bot.until((s) => isOnline(s) && bot.statuses.indexOf(s) >= mark, 10_000, 'online again');
    assert.equal(back.resumed, true, 'resumed');
    assert.equal(bot.session.jid, firstJid);
    await Promise.all(toPeer);
    await peer.nextMessage((m) => m.getChildText('body') === 'm99');
    await eventually(() => toBot.length, (n) => n >= 20, 5000, 'the peer\'s messages');
    // A last message each way proves nothing more is on its way.
    await bot.session.messages.send({ to: 'peer@localhost/peer', type: 'chat', body: 'end' });
    await peer.nextMessage((m) => m.getChildText('body') === 'end');
    assert.deepEqual(bodies(peer.received).filter((b) => b !== 'end'), Array.from({ length: 100 }, (_, i) => `m${i}`));
    assert.deepEqual(toBot, Array.from({ length: 20 }, (_, i) => `p${i}`));
  });

  it('a line that goes silent is noticed within ping interval + timeout, and the session comes back', async () => {
    const bot = start({ port: proxy.port, keepalive: { intervalMs: 1000, timeoutMs: 1000 } });
    await bot.until(isOnline);
    const frozenAt = Date.now();
    proxy.freeze();
    const lost = await bot.until(isRetrying, 5000, 'the dead line noticed');
    const noticedMs = Date.now() - frozenAt;
    console.log(`      silent line noticed after ${noticedMs} ms (interval 1000 + timeout 1000)`);
    assert.equal(lost.error?.code, 'connection-timeout');
    assert.ok(noticedMs <= 2000 + 500, `${noticedMs} ms`);
    proxy.cut();
    await bot.until((s) => isOnline(s) && bot.statuses.indexOf(s) > 0, 10_000, 'online again');
  });

  it('a conflict (our full JID logged in elsewhere) stops the session instead of starting a kick-each-other loop', async () => {
    const bot = start({ port: proxy.port, jid: { local: 'bot', domain: 'localhost', resource: 'fixed' } });
    await bot.until(isOnline);
    const other = await Peer.connect({ port: prosody.port, jid: 'bot@localhost', password: 'bot-pw', resource: 'fixed' });
    try {
      const failed = await bot.until((s) => s.state === 'failed', 10_000, 'failed').catch((error: unknown) => {
        throw new Error(`${String(error)}; statuses: ${JSON.stringify(bot.statuses.map((s) => [s.state, s.error?.code]))}`);
      });
      assert.equal(failed.error?.code, 'conflict');
      const acceptedBefore = proxy.accepted;
      // The backoff would have retried within 400 ms; watch for 2 s that nothing comes.
      const watchUntil = Date.now() + 2000;
      await eventually(() => Date.now() > watchUntil || proxy.accepted > acceptedBefore, (done) => done, 3000, 'the watch window');
      assert.equal(proxy.accepted, acceptedBefore, 'no reconnect');
      assert.deepEqual(await prosody.sessionJids('bot@localhost'), ['bot@localhost/fixed']);
      const stillThere = other.nextMessage((m) => m.getChildText('body') === 'still here');
      await peer.send('bot@localhost/fixed', 'still here');
      await stillThere;
    } finally {
      await other.stop();
    }
  });

  it('closing finishes within 2 s even when the server does not answer', async () => {
    const bot = start({ port: prosody.port });
    await bot.until(isOnline);
    prosody.pause();
    const started = Date.now();
    await bot.session.stop();
    const ms = Date.now() - started;
    prosody.resume();
    console.log(`      close with a frozen server took ${ms} ms`);
    assert.ok(ms < 2000, `${ms} ms`);
  });

  it('messages sent while disconnected wait in the outbox and go out in order after reconnecting', async () => {
    const bot = start({ port: proxy.port });
    await bot.until(isOnline);
    proxy.setMode('refuse');
    proxy.cut();
    await bot.until(isRetrying);
    const sent = Array.from({ length: 50 }, (_, i) => bot.session.messages.send({ to: 'peer@localhost/peer', type: 'chat', body: `q${i}` }));
    assert.equal(bot.session.queued, 50);
    let settled = 0;
    for (const promise of sent) void promise.then(() => (settled += 1));
    proxy.setMode('pass');
    await Promise.all(sent);
    assert.equal(settled, 50);
    await peer.nextMessage((m) => m.getChildText('body') === 'q49');
    assert.deepEqual(bodies(peer.received), Array.from({ length: 50 }, (_, i) => `q${i}`));
  });

  it('a full outbox and a message that waited too long end in named errors, never in silence', async () => {
    const bot = start({ port: proxy.port, outbox: { maxCount: 3, maxBytes: 1_000_000, maxAgeMs: 1000 } });
    await bot.until(isOnline);
    proxy.setMode('refuse');
    proxy.cut();
    await bot.until(isRetrying);
    const outcomes = Array.from({ length: 4 }, (_, i) =>
      bot.session.messages.send({ to: 'peer@localhost/peer', type: 'chat', body: `x${i}` }).then(
        () => 'sent',
        (error: unknown) => (error instanceof XmppError ? error.code : String(error)),
      ),
    );
    const started = Date.now();
    assert.deepEqual(await Promise.all(outcomes), ['outbox-expired', 'outbox-expired', 'outbox-expired', 'outbox-full']);
    assert.ok(Date.now() - started < 3000);
    // Back online before the end, or the server keeps the cut session resumable for minutes.
    const mark = bot.statuses.length;
    proxy.setMode('pass');
    await bot.until((s) => isOnline(s) && bot.statuses.indexOf(s) >= mark, 10_000, 'online again');
  });

  it('a session set to fail fast refuses at once while offline', async () => {
    const bot = start({ port: proxy.port });
    await bot.until(isOnline);
    proxy.setMode('refuse');
    proxy.cut();
    await bot.until(isRetrying);
    await assert.rejects(bot.session.messages.send({ to: 'peer@localhost/peer', type: 'chat', body: 'now or never' }, { queue: false }), (e: unknown) => e instanceof XmppError && e.code === 'not-connected');
    const mark = bot.statuses.length;
    proxy.setMode('pass');
    await bot.until((s) => isOnline(s) && bot.statuses.indexOf(s) >= mark, 10_000, 'online again');
  });
});
