// The files module against a fake port and a real loopback HTTP server: finding the upload
// service once per login, refusing what is too large before asking, the slot, the PUT with only
// the allowed headers, the link sent so clients show it, a caption, refusals with their names,
// and progress.
import { strict as assert } from 'node:assert';
import { DiscoClient } from '../../nodes/core/disco/disco-client';
import { XmppError } from '../../nodes/core/errors';
import { FileError } from '../../nodes/core/files/file-error';
import { Files } from '../../nodes/core/files/files';
import { Messages } from '../../nodes/core/messages/messages';
import { loadXmpp, type XmlElement } from '../../nodes/core/xmpp-lib';
import { FileServer } from '../rig/file-server';
import { FakePort } from './fake-port';
import { english } from './english';

const NS = 'urn:xmpp:http:upload:0';
const DOMAIN = 'example.org';
const UPLOAD = 'upload.example.org';
const ITEMS = 'http://jabber.org/protocol/disco#items';
const INFO = 'http://jabber.org/protocol/disco#info';

interface Service {
  /** Announced max-file-size; undefined: none. */
  maxBytes?: number | undefined;
  /** No item offers upload. */
  none?: boolean;
  /** The slot request is answered with this error condition. */
  refuse?: string;
}

/** The server's answers: items conference + upload, their info, and slots on `http`. */
function script(port: FakePort, http: FileServer, service: Service = {}): void {
  let slots = 0;
  port.answer = (iq: XmlElement): XmlElement => {
    const xml = port.xml;
    const result = (...children: XmlElement[]): XmlElement => xml('iq', { type: 'result', id: iq.attrs.id, from: iq.attrs.to }, ...children);
    if (iq.getChild('query', ITEMS)) return result(xml('query', { xmlns: ITEMS }, xml('item', { jid: `conference.${DOMAIN}` }), xml('item', { jid: UPLOAD, name: 'HTTP File Upload' }), xml('item', { jid: DOMAIN, node: 'commands' })));
    if (iq.getChild('query', INFO)) {
      const offers = iq.attrs.to === UPLOAD && !service.none;
      const form =
        offers && service.maxBytes !== undefined
          ? xml('x', { xmlns: 'jabber:x:data', type: 'result' }, xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, NS)), xml('field', { var: 'max-file-size' }, xml('value', {}, String(service.maxBytes))))
          : undefined;
      return result(xml('query', { xmlns: INFO }, xml('feature', { var: offers ? NS : 'http://jabber.org/protocol/muc' }), form));
    }
    const request = iq.getChild('request', NS);
    if (request) {
      if (service.refuse) return xml('iq', { type: 'error', id: iq.attrs.id, from: iq.attrs.to }, xml('error', { type: 'cancel' }, xml(service.refuse, { xmlns: 'urn:ietf:params:xml:ns:xmpp-stanzas' })));
      slots += 1;
      const name = encodeURIComponent(request.attrs.filename ?? '');
      return result(
        xml(
          'slot',
          { xmlns: NS },
          xml('put', { url: http.url(`/put/${slots}/${name}`) }, xml('header', { name: 'Authorization' }, 'Bearer slot-token'), xml('header', { name: 'Host' }, 'elsewhere.example'), xml('header', { name: 'X-Other' }, 'no')),
          xml('get', { url: http.url(`/get/${slots}/${name}`) }),
        ),
      );
    }
    return xml('iq', { type: 'error', id: iq.attrs.id }, xml('error', { type: 'cancel' }, xml('service-unavailable', { xmlns: 'urn:ietf:params:xml:ns:xmpp-stanzas' })));
  };
}

describe('files: upload and send (XEP-0363, XEP-0066) (core)', () => {
  let http: FileServer;
  let port: FakePort;
  let files: Files;
  const picture = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 31 + (i >> 8)) & 0xff));

  before(async () => {
    await loadXmpp();
    http = await FileServer.start();
  });
  after(async () => {
    await http.stop();
  });
  beforeEach(() => {
    http.requests.length = 0;
    http.connections = 0;
    http.handler = (request, response) => {
      response.statusCode = request.method === 'PUT' ? 201 : 404;
      response.end();
    };
    port = new FakePort();
    port.jid = `bot@${DOMAIN}/flows`;
    files = new Files(port, new DiscoClient(port), new Messages(port), { trust: { mode: 'system' }, timeoutMs: 5000 });
  });

  const discoRequests = (): XmlElement[] => port.requests.filter((iq) => iq.getChild('query', ITEMS) || iq.getChild('query', INFO));
  const slotRequests = (): XmlElement[] => port.requests.filter((iq) => iq.getChild('request', NS));

  it("finds the upload service among the server's items with its limit, asking each service (not nodes) once per login", async () => {
    script(port, http, { maxBytes: 5_000_000 });
    assert.deepEqual(await files.service(), { jid: UPLOAD, maxBytes: 5_000_000 });
    assert.deepEqual(
      discoRequests().map((iq) => `${iq.getChildElements()[0]?.attrs.xmlns === ITEMS ? 'items' : 'info'} ${iq.attrs.to}`),
      [`items ${DOMAIN}`, `info conference.${DOMAIN}`, `info ${UPLOAD}`],
    );
    await files.service();
    port.login(true);
    await files.service();
    assert.equal(discoRequests().length, 3, 'a resumed session keeps what it found');
    port.login(false);
    await files.service();
    assert.equal(discoRequests().length, 6, 'a new login asks again');
  });

  it('a server without an upload service: no-upload-service naming it, without asking for a slot; remembered until the next login', async () => {
    script(port, http, { none: true });
    await assert.rejects(
      files.upload({ name: 'a.png', type: 'image/png', data: picture }),
      (error: unknown) => error instanceof FileError && error.code === 'no-upload-service' && error.detail === DOMAIN,
    );
    await assert.rejects(files.service(), FileError);
    assert.equal(discoRequests().length, 3, 'asked once');
    assert.equal(slotRequests().length, 0);
    port.login(false);
    await assert.rejects(files.service(), FileError);
    assert.equal(discoRequests().length, 6);
  });

  it('a failure to ask (no answer) is not remembered: the next file asks again', async () => {
    script(port, http, { maxBytes: 10 });
    const answer = port.answer;
    port.answer = () => Promise.reject(new XmppError('timeout', DOMAIN));
    await assert.rejects(files.service(), (error: unknown) => error instanceof XmppError && error.code === 'timeout');
    port.answer = answer;
    assert.equal((await files.service()).jid, UPLOAD);
  });

  it('a file larger than the service takes is refused as too-large before any slot request or HTTP connection', async () => {
    script(port, http, { maxBytes: picture.length - 1 });
    await assert.rejects(
      files.send({ name: 'big.png', type: 'image/png', data: picture }, { to: 'alice@example.org', type: 'chat' }),
      (error: unknown) => error instanceof FileError && error.code === 'too-large' && english(error).includes(String(picture.length)),
    );
    assert.equal(slotRequests().length, 0);
    assert.equal(http.connections, 0);
    assert.equal(port.sent.length, 0);
  });

  it('uploads to the slot (the bytes, their type and length, only the allowed headers), then sends the link as body and out-of-band data', async () => {
    script(port, http, { maxBytes: picture.length });
    const url = await files.send({ name: 'front door.png', type: 'image/png', data: picture }, { to: 'alice@example.org', type: 'chat', thread: 't1' });
    assert.equal(url, http.url('/get/1/front%20door.png'));
    const slot = slotRequests()[0]?.getChild('request', NS);
    assert.deepEqual(slot?.attrs, { xmlns: NS, filename: 'front door.png', size: String(picture.length), 'content-type': 'image/png' });
    assert.equal(slotRequests()[0]?.attrs.to, UPLOAD);
    const [put] = http.requests;
    assert.equal(http.requests.length, 1);
    assert.equal(put?.method, 'PUT');
    assert.equal(put?.path, '/put/1/front%20door.png');
    assert.ok(put?.body.equals(picture), 'the bytes arrive unchanged');
    assert.equal(put?.headers['content-type'], 'image/png');
    assert.equal(put?.headers['content-length'], String(picture.length));
    assert.equal(put?.headers.authorization, 'Bearer slot-token');
    assert.equal(put?.headers.host, `localhost:${http.port}`, "the slot's Host header is not sent");
    assert.equal(put?.headers['x-other'], undefined);
    assert.equal(port.sent.length, 1);
    const message = port.sent[0];
    assert.equal(message?.attrs.to, 'alice@example.org');
    assert.equal(message?.attrs.type, 'chat');
    assert.match(message?.attrs.id ?? '', /^m/, 'an id, so a bounce is recognised');
    assert.equal(message?.getChildText('body'), url);
    assert.equal(message?.getChildText('thread'), 't1');
    assert.equal(message?.getChild('x', 'jabber:x:oob')?.getChildText('url'), url);
    assert.equal(message?.getChild('x', 'jabber:x:oob')?.getChild('desc'), undefined);
  });

  it('a caption goes with the link as its description and follows as a message of its own', async () => {
    script(port, http);
    const url = await files.send({ name: 'a.jpg', type: 'image/jpeg', data: picture }, { to: 'room@conference.example.org', type: 'groupchat', caption: 'Someone at the door' });
    assert.deepEqual(
      port.sent.map((m) => [m.attrs.type, m.getChildText('body'), m.getChild('x', 'jabber:x:oob')?.getChildText('desc') ?? null]),
      [
        ['groupchat', url, 'Someone at the door'],
        ['groupchat', 'Someone at the door', null],
      ],
    );
  });

  it('a slot the service refuses rejects with its condition, and nothing is uploaded or sent', async () => {
    script(port, http, { refuse: 'not-allowed' });
    await assert.rejects(
      files.send({ name: 'a.jpg', type: 'image/jpeg', data: picture }, { to: 'alice@example.org', type: 'chat' }),
      (error: unknown) => error instanceof XmppError && error.code === 'stanza-error' && error.condition === 'not-allowed',
    );
    assert.equal(http.connections, 0);
    assert.equal(port.sent.length, 0);
  });

  it('an HTTP error on the PUT is upload-failed with its status, and no link is sent', async () => {
    script(port, http);
    http.handler = (_request, response) => {
      response.statusCode = 507;
      response.end();
    };
    await assert.rejects(
      files.send({ name: 'a.jpg', type: 'image/jpeg', data: picture }, { to: 'alice@example.org', type: 'chat' }),
      (error: unknown) => error instanceof FileError && error.code === 'upload-failed' && error.status === 507 && english(error) === `HTTP 507 from localhost:${http.port}`,
    );
    assert.equal(port.sent.length, 0);
  });

  it('reports progress from 0 to every byte, never backwards', async () => {
    script(port, http);
    const seen: Array<[number, number]> = [];
    await files.upload({ name: 'a.bin', type: 'application/octet-stream', data: picture }, (sent, total) => seen.push([sent, total]));
    assert.deepEqual(seen[0], [0, picture.length]);
    assert.deepEqual(seen.at(-1), [picture.length, picture.length]);
    assert.ok(seen.length >= 4, `${seen.length} reports for ${picture.length} bytes`);
    assert.ok(seen.every(([sent], i) => i === 0 || sent >= (seen[i - 1]?.[0] ?? 0)));
  });

  it('fetches a linked file: its name from the link, its type from the server (else from the name)', async () => {
    script(port, http);
    http.handler = (request, response) => {
      response.setHeader('content-type', request.path.endsWith('.png') ? 'image/png; charset=binary' : 'application/octet-stream');
      response.end(picture);
    };
    assert.deepEqual(await files.fetch(http.url('/f/door%20cam.png'), picture.length), { name: 'door cam.png', type: 'image/png', size: picture.length, data: picture });
    const guessed = await files.fetch(http.url('/f/clip.mp4?x=1'), picture.length);
    assert.equal(guessed.type, 'video/mp4');
    assert.equal(guessed.name, 'clip.mp4');
  });
});
