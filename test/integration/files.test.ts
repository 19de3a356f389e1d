// Pictures and files through xmpp-out and xmpp-in against a real Prosody 0.12 with its HTTP file
// upload service (mod_http_file_share, XEP-0363) over HTTPS with the rig's self-signed
// certificate, and a slixmpp client as the other side (its XEP-0066 plugin reads the links).
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NodeMessage } from 'node-red';
import { FileServer } from '../rig/file-server';
import { noisePng } from '../rig/png';
import { eventually, waitFor } from '../rig/peer';
import { Prosody } from '../rig/prosody';
import { configNode, getNode, helper, lastStatus, nodes, startServer, stopServer, type FlowNode } from '../rig/red';
import { SlixFiles } from '../rig/slix-files';

const completeNode = require('@node-red/nodes/core/common/24-complete.js') as (red: unknown) => void;
const catchNode = require('@node-red/nodes/core/common/25-catch.js') as (red: unknown) => void;

const PASSWORD = 'bot-files-pw-5c2e';
const LIMIT = 4 * 1024 * 1024;
const ROOM = 'pictures@conference.localhost';

type Done = NodeMessage & { xmpp?: { url?: string } };
type Caught = NodeMessage & { error: { message: string; code?: string; source: { id: string } } };
type Received = NodeMessage & { payload: string; from: string; xmpp: { oob?: { url: string; desc?: string } }; file?: { name: string; type?: string; size?: number; data?: Buffer; error?: string } };

/** GETs a URL with the rig's certificate as the only CA (Node's own client, not ours). */
function download(url: string, ca: string): Promise<{ status: number; type: string | undefined; data: Buffer }> {
  return new Promise((resolve, reject) => {
    httpsGet(url, { ca, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, type: response.headers['content-type'], data: Buffer.concat(chunks) }));
      response.on('error', reject);
    }).on('error', reject);
  });
}

describe('pictures and files: XEP-0363 upload and XEP-0066 links with Prosody and slixmpp', function () {
  this.timeout(60_000);
  let prosody: Prosody;
  let plain: Prosody;
  let alice: SlixFiles;
  let ca: string;
  let dir: string;
  let web: FileServer;
  const png = noisePng(1000, 1000);
  const done: Done[] = [];
  const caught: Caught[] = [];
  const received: Record<string, Received[]> = { in: [], inSmall: [], inOff: [], inCarol: [] };
  let uploaded = '';

  const out = (id: string, server: string, extra: Record<string, unknown> = {}): FlowNode => ({ id, type: 'xmpp-out', z: 'f1', server, to: 'alice@localhost', msgType: 'chat', subject: '', failFast: false, ...extra, wires: [] });
  const xmppIn = (id: string, extra: Record<string, unknown>): FlowNode => ({ id, type: 'xmpp-in', z: 'f1', server: 'cfg', from: '', msgType: 'any', bodiless: false, ...extra, wires: [[`${id}-sink`]] });
  const flow = (): FlowNode[] => [
    { id: 'f1', type: 'tab', label: 'files' },
    configNode('cfg', 'bot@localhost/flows', prosody.port, { security: 'starttls', trust: 'ca', ca: prosody.certFile }),
    configNode('cfgSystem', 'botsystem@localhost/flows', prosody.port, { security: 'none', trust: 'system' }),
    configNode('cfgPin', 'botpin@localhost/flows', prosody.port, { security: 'none', trust: 'pin', pin: prosody.fingerprint256 }),
    configNode('cfgWrongPin', 'botwrongpin@localhost/flows', prosody.port, { security: 'none', trust: 'pin', pin: 'AB'.repeat(32) }),
    configNode('cfgPlain', 'bot@localhost/flows', plain.port),
    out('out', 'cfg'),
    out('roomOut', 'cfg', { to: '', room: ROOM, nick: 'camera' }),
    out('outSystem', 'cfgSystem'),
    out('outPin', 'cfgPin'),
    out('outWrongPin', 'cfgWrongPin'),
    out('outPlain', 'cfgPlain'),
    xmppIn('in', { downloadKB: 4096 }),
    xmppIn('inSmall', { downloadKB: 1 }),
    xmppIn('inOff', {}),
    xmppIn('inCarol', { from: 'carol@localhost', downloadKB: 4096 }),
    ...['in', 'inSmall', 'inOff', 'inCarol'].map((id): FlowNode => ({ id: `${id}-sink`, type: 'helper', z: 'f1' })),
    { id: 'completer', type: 'complete', z: 'f1', scope: ['out', 'roomOut', 'outSystem', 'outPin', 'outWrongPin', 'outPlain'], uncaught: false, wires: [['completed']] },
    { id: 'completed', type: 'helper', z: 'f1' },
    { id: 'catcher', type: 'catch', z: 'f1', scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper', z: 'f1' },
  ];

  /** Sends msg into a node; resolves with the msg its done() completed, or rejects with what a Catch node got. */
  function send(node: string, msg: Record<string, unknown>): Promise<Done> {
    const id = `m-${node}-${Math.random().toString(36).slice(2)}`;
    const finished = waitFor(getNode('completed'), 'input', (m: Done) => (m._msgid === id ? m : undefined), 45_000, `done() of ${id}`);
    const failed = waitFor(getNode('caught'), 'input', (m: Caught) => (m._msgid === id ? m : undefined), 45_000, `an error for ${id}`);
    getNode(node).receive({ ...msg, _msgid: id } as NodeMessage);
    return Promise.race([
      finished,
      failed.then((m) => {
        throw Object.assign(new Error(m.error.message), { code: m.error.code });
      }),
    ]).finally(() => {
      void finished.catch(() => undefined);
      void failed.catch(() => undefined);
    });
  }

  const refusedWith = (code: string) => (error: unknown) => (error as { code?: string }).code === code;
  const slotsIssued = (): number => (prosody.log().match(/Issuing upload slot/g) ?? []).length;

  before(async function () {
    this.timeout(90_000);
    dir = mkdtempSync(join(tmpdir(), 'xmpp-flows-files-'));
    [prosody, plain, web] = await Promise.all([Prosody.start({ tls: true, muc: true, iterations: 100, fileShare: { sizeLimit: LIMIT } }), Prosody.start({ iterations: 100 }), FileServer.start()]);
    ca = readFileSync(prosody.certFile, 'utf8');
    await Promise.all([...['bot', 'botsystem', 'botpin', 'botwrongpin'].map((user) => prosody.register(user, PASSWORD)), prosody.register('alice', 'alice-pw'), plain.register('bot', PASSWORD)]);
    alice = await SlixFiles.start('alice@localhost', 'alice-pw', prosody.port, prosody.certFile);
    await startServer();
    const credentials = Object.fromEntries(['cfg', 'cfgSystem', 'cfgPin', 'cfgWrongPin', 'cfgPlain'].map((id) => [id, { password: PASSWORD }]));
    await helper.load([...nodes, completeNode, catchNode], flow(), credentials);
    getNode('completed').on('input', (m: NodeMessage) => done.push(m as Done));
    getNode('caught').on('input', (m: NodeMessage) => caught.push(m as Caught));
    for (const id of Object.keys(received)) getNode(`${id}-sink`).on('input', (m: NodeMessage) => received[id]?.push(m as Received));
    for (const id of ['out', 'outSystem', 'outPin', 'outWrongPin', 'outPlain']) await eventually(() => lastStatus(id), (s) => s?.fill === 'green', 15_000, `${id} green`);
  });

  after(async () => {
    await helper.unload();
    await alice?.stop();
    await Promise.all([prosody?.stop(), plain?.stop(), web?.stop()]);
    await stopServer();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a 3 MB PNG from a flow reaches a slixmpp client as a link it shows inline, and downloads byte-identical from there', async () => {
    assert.ok(png.length > 3_000_000 && png.length < LIMIT, `${png.length} bytes`);
    const before = prosody.uploadRelay?.accepted ?? 0;
    const finished = await send('out', { payload: png, filename: '/home/nodered/cam/door.png' });
    const url = finished.xmpp?.url ?? '';
    assert.match(url, new RegExp(`^https://localhost:${prosody.uploadRelay?.port}/file_share/[^/]+/door\\.png$`), 'msg.xmpp.url is set before done()');
    const got = await alice.message((m) => m.oob_url === url, 'the link at alice');
    assert.equal(got.body, url, 'the body is exactly the link (what makes clients show it inline)');
    assert.equal(got.type, 'chat');
    assert.equal(got.from.split('/')[0], 'bot@localhost');
    const fetched = await download(got.oob_url, ca);
    assert.equal(fetched.status, 200);
    assert.equal(fetched.type, 'image/png');
    assert.ok(fetched.data.equals(png), 'the same bytes');
    assert.ok((prosody.uploadRelay?.accepted ?? 0) > before, 'the upload went over HTTPS to the slot');
    const statuses = getNode('out')
      .status.getCalls()
      .map((call) => String((call.args[0] as { text?: string }).text ?? ''));
    assert.ok(statuses.some((text) => text.startsWith('xmpp-out.status.uploading')), `an upload status among ${JSON.stringify(statuses.slice(-5))}`);
    await eventually(() => lastStatus('out')?.fill, (fill) => fill === 'green', 3000, 'the connection’s status again after the upload');
    uploaded = url;
  });

  it('a file larger than the service takes is refused as too-large, before any slot request or HTTP connection', async () => {
    const relayBefore = prosody.uploadRelay?.accepted ?? 0;
    const slotsBefore = slotsIssued();
    const heardBefore = alice.messages.length;
    await assert.rejects(send('out', { payload: Buffer.alloc(LIMIT + 1, 1), filename: 'huge.bin' }), refusedWith('too-large'));
    assert.equal(prosody.uploadRelay?.accepted, relayBefore, 'no HTTP connection');
    assert.equal(slotsIssued(), slotsBefore, 'no slot asked for');
    // A file read from disk is refused from its size, before it is read.
    const path = join(dir, 'huge.bin');
    writeFileSync(path, Buffer.alloc(LIMIT + 1, 2));
    await assert.rejects(send('out', { file: { path } }), refusedWith('too-large'));
    assert.equal(prosody.uploadRelay?.accepted, relayBefore);
    assert.equal(slotsIssued(), slotsBefore);
    assert.equal(alice.messages.length, heardBefore, 'nothing reached alice');
  });

  it('msg.file with msg.payload text: the link with the text as its description, then the text as a message of its own', async () => {
    const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), Buffer.alloc(5000, 9)]);
    const { xmpp } = await send('out', { payload: 'Someone at the door', file: { buffer: jpeg, name: 'door.jpg' } });
    const link = await alice.message((m) => m.oob_url === xmpp?.url, 'the captioned link');
    assert.equal(link.oob_desc, 'Someone at the door');
    assert.equal(link.body, xmpp?.url);
    const index = alice.messages.indexOf(link);
    const caption = await alice.message((m) => m.body === 'Someone at the door' && m.oob_url === '', 'the caption message');
    assert.ok(alice.messages.indexOf(caption) > index, 'the caption follows the link');
    const fetched = await download(link.oob_url, ca);
    assert.equal(fetched.type, 'image/jpeg');
    assert.ok(fetched.data.equals(jpeg));
  });

  it('msg.file.path (a file on disk) and msg.file.url (fetched first) are uploaded as they are', async () => {
    const csv = Buffer.from('time,temperature\n12:00,21.5\n');
    const path = join(dir, 'readings.csv');
    writeFileSync(path, csv);
    const fromPath = (await send('out', { file: { path } })).xmpp?.url ?? '';
    assert.match(fromPath, /\/readings\.csv$/);
    web.handler = (_request, response) => {
      response.setHeader('content-type', 'image/png');
      response.end(png.subarray(0, 20_000));
    };
    const fromUrl = (await send('out', { file: { url: web.url('/snapshot?camera=1'), name: 'snapshot.png' } })).xmpp?.url ?? '';
    const [a, b] = await Promise.all([download(fromPath, ca), download(fromUrl, ca)]);
    assert.ok(a.data.equals(csv));
    assert.equal(a.type, 'text/csv');
    assert.ok(b.data.equals(png.subarray(0, 20_000)));
    assert.equal(b.type, 'image/png');
    await alice.message((m) => m.oob_url === fromUrl, 'the second link');
  });

  it('a file to a room arrives there as a group-chat link', async () => {
    await eventually(() => lastStatus('roomOut'), (s) => String(s?.text ?? '').startsWith('xmpp-out.status.joined'), 15_000, 'the camera in the room');
    await alice.join(ROOM, 'alice');
    const picture = png.subarray(0, 50_000);
    const url = (await send('roomOut', { payload: picture, filename: 'yard.png' })).xmpp?.url ?? '';
    const got = await alice.message((m) => m.oob_url === url, 'the link in the room');
    assert.equal(got.type, 'groupchat');
    assert.equal(got.from, `${ROOM}/camera`);
    assert.ok((await download(url, ca)).data.equals(picture));
  });

  it("the upload host is held to the connection's trust: the system's CAs refuse the self-signed one, its pin is accepted, another pin refused", async () => {
    const picture = png.subarray(0, 10_000);
    await assert.rejects(send('outSystem', { payload: picture, filename: 'a.png' }), refusedWith('tls-untrusted'));
    await assert.rejects(send('outWrongPin', { payload: picture, filename: 'b.png' }), refusedWith('tls-untrusted'));
    const url = (await send('outPin', { payload: picture, filename: 'c.png' })).xmpp?.url ?? '';
    await alice.message((m) => m.oob_url === url, 'the pinned upload’s link');
    assert.ok(!alice.messages.some((m) => /\/(a|b)\.png$/.test(m.oob_url)), 'no link for a refused upload');
    const refused = caught.filter((m) => m.error.code === 'tls-untrusted');
    assert.ok(refused.every((m) => !/Bearer|Authorization/.test(m.error.message)), 'no secret in the error');
  });

  it('a server without an upload service: no-upload-service', async () => {
    await assert.rejects(send('outPlain', { payload: png.subarray(0, 100), filename: 'a.png' }), refusedWith('no-upload-service'));
  });

  describe('files in', () => {
    const last = (id: string, match: (m: Received) => boolean, what: string): Promise<Received> => eventually(() => received[id]?.find(match), (m) => m !== undefined, 15_000, what) as Promise<Received>;

    it('a link from slixmpp: msg.xmpp.oob; with downloads on, msg.file holds the same bytes; over the limit msg.file.error; off, no msg.file', async () => {
      await alice.send('bot@localhost', uploaded, uploaded, 'the front door');
      const isIt = (m: Received): boolean => m.xmpp.oob?.url === uploaded;
      const full = await last('in', isIt, 'the message with its file');
      assert.deepEqual(full.xmpp.oob, { url: uploaded, desc: 'the front door' });
      assert.equal(full.payload, uploaded, 'the body, which is only the link');
      assert.equal(full.file?.name, 'door.png');
      assert.equal(full.file?.type, 'image/png');
      assert.equal(full.file?.size, png.length);
      assert.ok(Buffer.isBuffer(full.file?.data) && full.file.data.equals(png), 'msg.file.data is the PNG');
      const small = await last('inSmall', isIt, 'the message past the 1 KiB limit');
      assert.deepEqual(small.file, { name: 'door.png', error: 'too-large' });
      assert.equal(getNode('inSmall').warn.getCalls().length, 0, 'the limit at work is no warning');
      const off = await last('inOff', isIt, 'the message without downloads');
      assert.equal(off.file, undefined);
      assert.deepEqual(off.xmpp.oob, { url: uploaded, desc: 'the front door' });
    });

    it('a picture slixmpp uploads with its own XEP-0363 client arrives as msg.xmpp.oob, and downloads byte-identical into msg.file', async () => {
      const picture = noisePng(200, 150);
      const url = await alice.upload('bot@localhost', 'garden.png', 'image/png', picture, 'the garden');
      assert.match(url, /^https:\/\/localhost:\d+\/file_share\/[^/]+\/garden\.png$/);
      const got = await last('in', (m) => m.xmpp.oob?.url === url, 'the uploaded picture');
      assert.deepEqual(got.xmpp.oob, { url, desc: 'the garden' });
      assert.equal(got.file?.type, 'image/png');
      assert.ok(Buffer.isBuffer(got.file?.data) && got.file.data.equals(picture), 'the bytes slixmpp uploaded');
    });

    it('only messages the node passes on are fetched (its sender filter first); an aesgcm:// link is never fetched; a failed download still comes out, with a warning', async () => {
      web.requests.length = 0;
      web.handler = (request, response) => {
        response.statusCode = request.path === '/gone.png' ? 404 : 200;
        response.end(request.path === '/gone.png' ? '' : 'abc');
      };
      await alice.send('bot@localhost', 'see this', web.url('/notes.txt'));
      const notes = await last('in', (m) => m.xmpp.oob?.url === web.url('/notes.txt'), 'the notes');
      assert.deepEqual(notes.file, { name: 'notes.txt', type: 'text/plain', size: 3, data: Buffer.from('abc') });
      await last('inSmall', (m) => m.xmpp.oob?.url === web.url('/notes.txt'), 'the notes, small');
      assert.equal(web.requests.length, 2, 'fetched by the two nodes with downloads on that let alice through, not by the one waiting for carol');
      assert.equal(received.inCarol?.length, 0);

      const encrypted = 'aesgcm://localhost/secret.jpg#0123456789abcdef';
      await alice.send('bot@localhost', encrypted, encrypted);
      const kept = await last('in', (m) => m.xmpp.oob?.url === encrypted, 'the encrypted link');
      assert.equal(kept.file, undefined, 'passed on as a link');
      assert.equal(web.requests.length, 2);

      await alice.send('bot@localhost', 'gone', web.url('/gone.png'));
      const gone = await last('in', (m) => m.xmpp.oob?.url === web.url('/gone.png'), 'the message whose file is gone');
      assert.deepEqual(gone.file, { name: 'gone.png', error: 'download-failed' });
      const warnings = getNode('in')
        .warn.getCalls()
        .map((call) => String(call.args[0]));
      assert.ok(warnings.some((text) => text.startsWith('xmpp-in.warning.download-failed')), JSON.stringify(warnings));
    });
  });
});
