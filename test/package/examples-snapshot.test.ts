// Example 8 (snapshot to your phone), deployed from its file into a real Node-RED process with the
// packed package, the account pointed at a real Prosody with its upload service
// (mod_http_file_share) and offline storage, driven through the flow's HTTP endpoint and its
// inject node; the phone is a plain XMPP client that confirms what it receives (XEP-0184).
import assert from 'node:assert/strict';
import type { XmlElement } from '../../nodes/core/xmpp-lib';
import { deployExample, knownTypes, loadExample, withNode, type Deployed } from '../rig/examples';
import { NodeRedProcess, type EchoBotAccount, type FlowNode, printLogsIfFailed } from '../rig/node-red-process';
import { eventually, Peer } from '../rig/peer';
import { Prosody } from '../rig/prosody';
import { noisePng } from '../rig/png';

const FILE = '08 - Snapshot to your phone.json';
const SEND_NODE = 'xf080005';
const TEST_PICTURE_NODE = 'xf080012';
const INJECT_NODE = 'xf080011';
const NS_RECEIPTS = 'urn:xmpp:receipts';
const NS_OOB = 'jabber:x:oob';
/** What the test's upload service takes; the file says nothing of it (the server decides). */
const SIZE_LIMIT = 400_000;

describe('example 8 (snapshot to your phone) in a real Node-RED', function () {
  this.timeout(30_000);

  let prosody: Prosody;
  let red: NodeRedProcess;
  let phone: Peer;
  let account: EchoBotAccount;
  let deployed: Deployed | undefined;

  /** POSTs a picture; the JSON answer. */
  async function snapshot(query: string, body: Buffer, type = 'image/png'): Promise<{ status: number; json: Record<string, unknown> }> {
    const response = await red.fetch(`/xmpp/snapshot?${query}`, { method: 'POST', headers: { 'Content-Type': type }, body: new Uint8Array(body) });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  }

  /** The link the phone received with its out-of-band data, and the receipt it was asked for. */
  const pictureAt = (peer: Peer, match: (url: string) => boolean = () => true): Promise<XmlElement> =>
    peer.nextMessage((m) => {
      const url = m.getChild('x', NS_OOB)?.getChildText('url');
      return typeof url === 'string' && match(url) && m.getChildText('body') === url;
    }, 20_000);

  before(async function () {
    this.timeout(90_000);
    prosody = await Prosody.start({ iterations: 100, offline: true, fileShare: { sizeLimit: SIZE_LIMIT } });
    await prosody.register('bot', 'bot-secret');
    await prosody.register('you', 'your-secret');
    await prosody.register('asleep', 'asleep-secret');
    account = { jid: 'bot@localhost/snapshots', password: 'bot-secret', host: '127.0.0.1', port: prosody.port, security: 'none' };
    red = await NodeRedProcess.start();
    phone = await Peer.connect({ port: prosody.port, jid: 'you@localhost', password: 'your-secret', resource: 'phone' });
    // The phone's client confirms every message that asks for it, as Conversations does.
    phone.on('message', (m: XmlElement) => {
      if (!m.getChild('request', NS_RECEIPTS) || !m.attrs.id || !m.attrs.from) return;
      void phone.sendRaw(phone.xml('message', { to: m.attrs.from, id: `r-${m.attrs.id}` }, phone.xml('received', { xmlns: NS_RECEIPTS, id: m.attrs.id })));
    });
    // Receipts wait 3 s here instead of the file's 60; the test picture goes to the test's phone.
    deployed = await deployExample(red, FILE, account, (flow: FlowNode[]) =>
      withNode(withNode(flow, SEND_NODE, { receiptTimeout: '3' }), TEST_PICTURE_NODE, {
        func: String(flow.find((n) => n.id === TEST_PICTURE_NODE)?.func).replace("msg.to = 'you@example.org'", "msg.to = 'you@localhost'"),
      }),
    );
    await eventually(() => prosody.sessionCount('bot@localhost'), (n) => n === 1, 15_000, 'the bot online');
  });

  afterEach(function () {
    printLogsIfFailed(this.currentTest, red, prosody);
  });

  after(async function () {
    this.timeout(30_000);
    await phone?.stop();
    await red?.stop();
    await prosody?.stop();
  });

  it('is a flow Node-RED knows whole, with the shared account and nothing failing', async function () {
    const types = await knownTypes(red);
    for (const node of loadExample(FILE)) assert.ok(node.type === 'tab' || types.has(node.type), `unknown type ${node.type}`);
    assert.deepEqual(deployed?.trouble(), []);
  });

  it('sends a picture the phone shows inline and confirms: 200 with the link, the same bytes behind it', async function () {
    const picture = noisePng(320, 200);
    const shown = pictureAt(phone);
    const answer = await snapshot('to=you@localhost&name=door.png', picture);
    assert.equal(answer.status, 200, JSON.stringify(answer.json));
    assert.equal(answer.json.sent, true);
    const url = String(answer.json.url);
    const message = await shown;
    assert.equal(message.getChild('x', NS_OOB)?.getChildText('url'), url);
    assert.match(url, /door\.png$/);
    const download = await fetch(url);
    assert.equal(download.status, 200);
    assert.deepEqual(Buffer.from(await download.arrayBuffer()), picture, 'the same bytes');
  });

  it('answers 504 not-delivered when no receipt comes back (the person\'s phone is off)', async function () {
    const answer = await snapshot('to=asleep@localhost', noisePng(64, 64));
    assert.equal(answer.status, 504, JSON.stringify(answer.json));
    assert.equal(answer.json.error, 'not-delivered');
  });

  it('answers 413 for a picture larger than the upload service takes, and 400 for requests that cannot work', async function () {
    const large = await snapshot('to=you@localhost', Buffer.concat([noisePng(16, 16), Buffer.alloc(SIZE_LIMIT)]));
    assert.equal(large.status, 413, JSON.stringify(large.json));
    assert.equal(large.json.error, 'too-large');
    assert.equal((await snapshot('', noisePng(8, 8))).status, 400, 'no JID');
    assert.equal((await snapshot('to=not a jid', noisePng(8, 8))).status, 400, 'no JID');
    assert.equal((await snapshot('to=you@localhost', Buffer.from('hello'), 'text/plain')).status, 400, 'no picture');
    assert.equal((await snapshot('to=you@localhost', Buffer.alloc(0))).status, 400, 'an empty body');
    // And the next picture still goes out.
    const shown = pictureAt(phone);
    assert.equal((await snapshot('to=you@localhost', noisePng(32, 32))).status, 200);
    await shown;
  });

  it('sends its own generated test picture from the inject node, a valid PNG', async function () {
    const shown = pictureAt(phone, (url) => url.endsWith('test-picture.png'));
    const injected = await red.fetch(`/inject/${INJECT_NODE}`, { method: 'POST' });
    assert.equal(injected.status, 200);
    const url = String((await shown).getChild('x', NS_OOB)?.getChildText('url'));
    const bytes = Buffer.from(await (await fetch(url)).arrayBuffer());
    assert.deepEqual(bytes.subarray(0, 8), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), 'the PNG signature');
    assert.equal(bytes.readUInt32BE(16), 96, 'its width');
    assert.equal(bytes.readUInt32BE(20), 64, 'its height');
    // The receipt came back: the flow logs the link instead of answering an HTTP request.
    await eventually(() => red.log().includes(`picture sent to you@localhost and received: ${url}`), Boolean, 10_000, 'the log line');
  });
});
