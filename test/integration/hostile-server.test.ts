// A server that attacks the client (the rig's fake server): one endless stanza, endless nesting,
// XML that XMPP forbids, an absurd SCRAM iteration count. The session ends the stream with the
// right stream error, its memory stays bounded, it logs in again at once (not when the keepalive
// notices), and a login that would burn a core for half an hour is refused before it starts.
import { strict as assert } from 'node:assert';
import type { XmppClient } from '../../nodes/core/client';
import { parseJid } from '../../nodes/core/jid';
import type { RoomEvent } from '../../nodes/core/rooms/room';
import type { SessionStatus } from '../../nodes/core/session/session';
import { MAX_SCRAM_ITERATIONS } from '../../nodes/core/session/scram';
import { loadXmpp } from '../../nodes/core/xmpp-lib';
import { coreClient } from '../rig/core-client';
import { FakeServer, type FakeConnection } from '../rig/fake-server';
import { eventually } from '../rig/peer';

const MB = 1024 * 1024;

describe('a hostile server', function () {
  this.timeout(60_000);
  let fake: FakeServer;
  let session: XmppClient | undefined;
  let statuses: SessionStatus[];

  before(async () => {
    await loadXmpp();
  });

  function start(port: number): XmppClient {
    statuses = [];
    const started = coreClient({
      jid: parseJid('bot@localhost/nr'),
      password: 'pw',
      port,
      // The keepalive would notice a dead stream after 80 s: every recovery here must come sooner.
      keepalive: { intervalMs: 60_000, timeoutMs: 20_000 },
      backoff: { initialMs: 200, maxMs: 1000, stableMs: 30_000 },
    });
    started.onStatus((status) => statuses.push(status));
    started.start();
    return started;
  }

  async function online(index: number): Promise<FakeConnection> {
    const connection = await fake.connection(index);
    await eventually(() => connection.online && session?.status.state === 'online', (on) => on, 10_000, `login #${index + 1}`);
    return connection;
  }

  afterEach(async () => {
    await session?.stop();
    session = undefined;
    await fake?.stop();
  });

  describe('after login', () => {
    beforeEach(async () => {
      fake = await FakeServer.start();
      session = start(fake.port);
    });

    for (const [what, head, chunk] of [
      ['one endless stanza (children without end)', `<message from='x@localhost/a' type='chat'><body>hi</body>`, '<a/>'.repeat(16_384)],
      ['endless nesting', `<message from='x@localhost/a' type='chat'>`, '<a>'.repeat(16_384)],
      ['one endless text node', `<message from='x@localhost/a' type='chat'><body>`, 'x'.repeat(65_536)],
    ] as const) {
      it(`${what}: ended with policy-violation, memory bounded, logged in again`, async () => {
        const first = await online(0);
        global.gc?.();
        const heapBefore = process.memoryUsage().heapUsed;
        const written = await first.flood(head, chunk, 500 * MB);
        const heapAfter = process.memoryUsage().heapUsed;
        await eventually(() => first.received, (text) => text.includes('<policy-violation'), 15_000, 'our stream error');
        await online(1);
        const failure = statuses.find((s) => s.state === 'retrying');
        assert.equal(failure?.error?.code, 'inbound-too-large');
        console.log(`      ${what}: the server got ${(written / MB).toFixed(1)} MB out before the stream ended; heap ${((heapAfter - heapBefore) / MB).toFixed(1)} MB more`);
        assert.ok(written < 64 * MB, `${written} bytes written before the stream ended`);
      });
    }

    for (const [what, bad, condition] of [
      ['a DOCTYPE', `<!DOCTYPE lol [<!ENTITY lol "lol">]>`, 'restricted-xml'],
      ['an undefined entity', `<message from='x@localhost/a'><body>&lol;</body></message>`, 'restricted-xml'],
      ['the character reference &#0;', `<message from='x@localhost/a'><body>&#0;</body></message>`, 'not-well-formed'],
      ['"<<<&&&"', `<message><<<&&&`, 'not-well-formed'],
    ] as const) {
      it(`${what}: a stream error (${condition}) at once and a new login, not silence until the keepalive`, async () => {
        const first = await online(0);
        first.write(bad);
        await eventually(() => first.received, (text) => text.includes(`<${condition}`), 5000, 'our stream error');
        await online(1);
        assert.equal(statuses.find((s) => s.state === 'retrying')?.error?.code, 'bad-xml');
      });
    }
  });

  it('a room that shuts down (332) twice in one login: entered again at once, then after a wait, never left "joined" and deaf', async () => {
    fake = await FakeServer.start();
    session = start(fake.port);
    const connection = await online(0);
    const events: RoomEvent[] = [];
    const { room, release } = session.rooms.join({ room: 'team@conference.localhost', nick: 'bot', rejoinDelayMs: 300 });
    room.onEvent((event) => events.push(event));
    const joins = (): number => (connection.received.match(/<presence [^>]*to="team@conference\.localhost\/bot"/g) ?? []).length;
    const admit = (): void => connection.write(`<presence from='team@conference.localhost/bot'><x xmlns='http://jabber.org/protocol/muc#user'><item role='participant'/><status code='110'/></x></presence>`);
    const shutDown = (): void => connection.write(`<presence from='team@conference.localhost/bot' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><status code='332'/><status code='110'/></x></presence>`);
    await eventually(joins, (n) => n === 1, 5000, 'the join');
    admit();
    await eventually(() => room.state, (state) => state === 'joined', 5000, 'joined');
    shutDown();
    await eventually(joins, (n) => n === 2, 5000, 'entering again at once');
    admit();
    await eventually(() => room.state, (state) => state === 'joined', 5000, 'joined again');
    shutDown();
    const waiting = await eventually(() => events.at(-1), (event) => event?.state === 'joining' && event.retryInMs !== undefined, 5000, 'a "closed, entering again" event');
    assert.equal(waiting?.retryInMs, 300);
    await eventually(joins, (n) => n === 3, 5000, 'entering again after the wait');
    admit();
    await eventually(() => room.state, (state) => state === 'joined', 5000, 'joined after the wait');
    await release();
  });

  it(`a SCRAM challenge with i=2000000000: refused at once (limit ${MAX_SCRAM_ITERATIONS}), no login attempt, no retry`, async () => {
    fake = await FakeServer.start({ login: { mechanism: 'SCRAM-SHA-1', iterations: 2_000_000_000 } });
    const cpuBefore = process.cpuUsage();
    session = start(fake.port);
    const failed = await eventually(() => statuses.find((s) => s.state === 'failed' || s.state === 'retrying'), (s) => s !== undefined, 10_000, 'the login to end');
    const cpu = process.cpuUsage(cpuBefore);
    assert.equal(failed?.state, 'failed', 'a fatal failure: retrying cannot help');
    assert.equal(failed?.error?.code, 'scram-iterations');
    const connection = await fake.connection(0);
    assert.ok(!/<response /.test(connection.received), 'no proof was computed or sent');
    console.log(`      SCRAM i=2e9: failed with ${failed?.error?.code} after ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms of CPU (the issue: ~30 min of a core, SIGTERM ignored)`);
    assert.equal(fake.connections.length, 1);
  });
});
