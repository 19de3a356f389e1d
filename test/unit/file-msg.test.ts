// xmpp-out's files and xmpp-in's attachments as msgs: which msgs send a file and what is wrong
// with those that cannot (each with its code), where the file goes, reading a path or a link
// within the upload service's limit, and an incoming link's file as msg.file.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NodeMessage } from 'node-red';
import { DiscoClient } from '../../nodes/core/disco/disco-client';
import { FileError } from '../../nodes/core/files/file-error';
import { Files } from '../../nodes/core/files/files';
import { readMessage } from '../../nodes/core/messages/message-stanza';
import { Messages } from '../../nodes/core/messages/messages';
import { loadXmpp, xmppLib, type XmlElement } from '../../nodes/core/xmpp-lib';
import { fetchable, fetchAttachment } from '../../nodes/lib/attachment';
import { fileAddress, fileRequest, FileMsgError, loadFile } from '../../nodes/lib/file-msg';
import { incomingMsg } from '../../nodes/lib/message-msg';
import { FileServer } from '../rig/file-server';
import { FakePort } from './fake-port';
import { english } from './english';

const OWN = 'bot@example.org/flows';
const defaults = { to: '', type: 'chat' as const, subject: '' };
const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);

function refused(code: string, detail?: RegExp): (error: unknown) => boolean {
  return (error: unknown) => error instanceof FileMsgError && error.code === code && error.section === 'xmpp-out' && (!detail || detail.test(english(error)));
}

describe('files as msgs (lib)', () => {
  before(async () => {
    await loadXmpp();
  });

  describe('which msg sends a file', () => {
    it('a text payload, or a Buffer without msg.filename, is a message as before', () => {
      assert.equal(fileRequest({ payload: 'hello' }), undefined);
      assert.equal(fileRequest({ payload: png }), undefined);
      assert.equal(fileRequest({ payload: 'text', filename: '/data/notes.txt' } as NodeMessage), undefined, 'a read-file node in text mode sends text');
    });

    it('a Buffer payload with msg.filename (a path, as a read-file node sets it): its last part, the type guessed or msg.mimetype', () => {
      assert.deepEqual(fileRequest({ payload: png, filename: '/data/cam/door.PNG' } as NodeMessage), { source: { kind: 'buffer', data: png }, name: 'door.PNG', type: undefined, caption: undefined });
      assert.equal(fileRequest({ payload: png, filename: 'C:\\cam\\x.bin', mimetype: 'image/png' } as NodeMessage)?.type, 'image/png');
      assert.equal(fileRequest({ payload: png, filename: 'x.bin' } as NodeMessage)?.name, 'x.bin');
    });

    it('msg.file with a path, a link or a Buffer; msg.payload text as its caption', () => {
      assert.deepEqual(fileRequest({ payload: 'Front door', file: { path: '/tmp/snap.jpg' } } as NodeMessage), { source: { kind: 'path', path: '/tmp/snap.jpg' }, name: 'snap.jpg', type: undefined, caption: 'Front door' });
      assert.deepEqual(fileRequest({ file: { url: 'http://cam.local/snapshot%201.jpg?size=big', type: 'image/jpeg' } } as NodeMessage), {
        source: { kind: 'url', url: 'http://cam.local/snapshot%201.jpg?size=big' },
        name: 'snapshot 1.jpg',
        type: 'image/jpeg',
        caption: undefined,
      });
      assert.deepEqual(fileRequest({ payload: 42, file: { buffer: png, name: 'chart.png' } } as NodeMessage), { source: { kind: 'buffer', data: png }, name: 'chart.png', type: undefined, caption: '42' });
      assert.equal(fileRequest({ payload: png, file: { buffer: png, name: 'a.png' } } as NodeMessage)?.caption, undefined, 'a Buffer payload is no caption');
      assert.equal(fileRequest({ payload: '   ', file: { buffer: png, name: 'a.png' } } as NodeMessage)?.caption, undefined);
      assert.equal(fileRequest({ file: { url: 'https://x.example/' } } as NodeMessage)?.name, 'file', 'a link without a name in its path');
    });

    it('refuses each malformed msg.file with invalid-file saying what is wrong', () => {
      const cases: Array<[unknown, RegExp]> = [
        ['photo.jpg', /must be an object/],
        [png, /must be an object/],
        [{}, /exactly one of path, url and buffer/],
        [{ path: '/a', url: 'https://x/a' }, /exactly one/],
        [{ buffer: 'not a buffer', name: 'a' }, /msg\.file\.buffer must be a Buffer/],
        [{ buffer: png }, /msg\.file\.name is needed/],
        [{ path: 42 }, /msg\.file\.path must be text/],
        [{ url: 'ftp://x/a' }, /http:\/\/ or https:\/\//],
        [{ url: 'not a url' }, /http:\/\/ or https:\/\//],
        [{ buffer: png, name: '../etc/passwd' }, /without "\/"/],
        [{ buffer: png, name: 'a\u0000b' }, /control characters/],
        [{ buffer: png, name: 'x'.repeat(201) }, /longer than 200/],
        [{ buffer: png, name: 'a.png', type: 'png' }, /media type/],
        [{ buffer: png, name: 'a.png', type: 'image/png\r\nX-Evil: 1' }, /media type/],
      ];
      for (const [file, detail] of cases) assert.throws(() => fileRequest({ file } as NodeMessage), refused('invalid-file', detail), JSON.stringify(file));
      assert.throws(() => fileRequest({ payload: png, filename: 42 } as NodeMessage), refused('invalid-file', /msg\.filename must be text/));
      assert.throws(() => fileRequest({ payload: png, filename: '/' } as NodeMessage), refused('invalid-file', /msg\.filename must be a file name/));
      assert.throws(() => fileRequest({ payload: png, filename: 'a.png', mimetype: 'nope' } as NodeMessage), refused('invalid-file', /msg\.mimetype/));
    });
  });

  describe('where the file goes', () => {
    it('where a text message would: msg.to, the To field, msg.topic; a reply to the sender on its thread', () => {
      assert.deepEqual(fileAddress({ file: {}, to: 'alice@x.org' } as NodeMessage, defaults, OWN), { to: 'alice@x.org', type: 'chat', thread: undefined, subject: undefined });
      const incoming = incomingMsg(readMessage(xmppLib().parse('<message from="alice@x.org/phone" type="normal"><body>picture?</body><thread>th</thread></message>')), OWN);
      assert.deepEqual(fileAddress({ ...incoming, payload: png, filename: 'a.png' }, { ...defaults, subject: 'Camera' }, OWN), { to: 'alice@x.org/phone', type: 'normal', thread: 'th', subject: 'Camera' });
    });
  });

  describe('reading the bytes, within the upload service’s limit', () => {
    let dir: string;
    let http: FileServer;
    let port: FakePort;
    let files: Files;
    const LIMIT = 1000;

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'xmpp-flows-file-msg-'));
      http = await FileServer.start();
    });
    after(async () => {
      rmSync(dir, { recursive: true, force: true });
      await http.stop();
    });
    beforeEach(() => {
      port = new FakePort();
      const NS = 'urn:xmpp:http:upload:0';
      port.answer = (iq: XmlElement): XmlElement => {
        const xml = port.xml;
        const items = iq.getChild('query', 'http://jabber.org/protocol/disco#items');
        const query = items
          ? xml('query', { xmlns: 'http://jabber.org/protocol/disco#items' }, xml('item', { jid: 'upload.example.org' }))
          : xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' }, xml('feature', { var: NS }), xml('x', { xmlns: 'jabber:x:data', type: 'result' }, xml('field', { var: 'FORM_TYPE' }, xml('value', {}, NS)), xml('field', { var: 'max-file-size' }, xml('value', {}, String(LIMIT)))));
        return xml('iq', { type: 'result', id: iq.attrs.id, from: iq.attrs.to }, query);
      };
      files = new Files(port, new DiscoClient(port), new Messages(port), { trust: { mode: 'system' } });
      http.requests.length = 0;
    });

    it('a path: read whole, the type guessed from its name', async () => {
      const path = join(dir, 'reading.csv');
      writeFileSync(path, 'a,b\n1,2\n');
      assert.deepEqual(await loadFile({ source: { kind: 'path', path }, name: 'reading.csv', type: undefined, caption: undefined }, files), { name: 'reading.csv', type: 'text/csv', data: Buffer.from('a,b\n1,2\n') });
    });

    it('a path larger than the service takes is too-large from its size; a missing one is file-unreadable', async () => {
      const path = join(dir, 'big.bin');
      writeFileSync(path, Buffer.alloc(LIMIT + 1));
      await assert.rejects(loadFile({ source: { kind: 'path', path }, name: 'big.bin', type: undefined, caption: undefined }, files), (error: unknown) => error instanceof FileError && error.code === 'too-large');
      await assert.rejects(loadFile({ source: { kind: 'path', path: join(dir, 'gone.jpg') }, name: 'gone.jpg', type: undefined, caption: undefined }, files), refused('file-unreadable', /gone\.jpg: ENOENT/));
      await assert.rejects(loadFile({ source: { kind: 'path', path: dir }, name: 'd', type: undefined, caption: undefined }, files), refused('file-unreadable', /not a file/));
    });

    it("a link: fetched with the server's type, and abandoned past the service's limit", async () => {
      http.handler = (request, response) => {
        response.setHeader('content-type', 'image/jpeg');
        response.end(request.path === '/big' ? Buffer.alloc(LIMIT + 1) : png);
      };
      assert.deepEqual(await loadFile({ source: { kind: 'url', url: http.url('/snap') }, name: 'snap', type: undefined, caption: undefined }, files), { name: 'snap', type: 'image/jpeg', data: png });
      await assert.rejects(loadFile({ source: { kind: 'url', url: http.url('/big') }, name: 'big', type: undefined, caption: undefined }, files), (error: unknown) => error instanceof FileError && error.code === 'too-large');
    });
  });

  describe("xmpp-in's attachments", () => {
    let http: FileServer;
    before(async () => {
      http = await FileServer.start();
      http.handler = (request, response) => {
        if (request.path === '/gone.png') response.statusCode = 404;
        else response.setHeader('content-type', 'image/png');
        response.end(request.path === '/gone.png' ? '' : png);
      };
    });
    after(async () => {
      await http.stop();
    });
    const files = (): Files => {
      const port = new FakePort();
      return new Files(port, new DiscoClient(port), new Messages(port), { trust: { mode: 'system' } });
    };

    it('msg.xmpp.oob carries the link and its description, also when the body is only the link', () => {
      const msg = incomingMsg(readMessage(xmppLib().parse('<message from="a@x.org/p" type="chat"><body>https://u.example/a.png</body><x xmlns="jabber:x:oob"><url>https://u.example/a.png</url></x></message>')), OWN);
      assert.deepEqual(msg.xmpp.oob, { url: 'https://u.example/a.png', desc: undefined });
      assert.equal(msg.payload, 'https://u.example/a.png');
      assert.equal('oob' in incomingMsg(readMessage(xmppLib().parse('<message from="a@x.org/p"><body>hi</body></message>')), OWN).xmpp, false, 'no oob key without a link');
    });

    it('fetches only http(s) links: an encrypted aesgcm:// one stays a link', () => {
      assert.deepEqual(['https://a/b', 'http://a/b', 'aesgcm://a/b#key', 'xmpp:a@b', 'nonsense'].map(fetchable), [true, true, false, false, false]);
    });

    it('the file as msg.file; a failure as msg.file.error with a problem to warn about, except a file over the limit', async () => {
      assert.deepEqual(await fetchAttachment(http.url('/door.png'), files(), 100), { file: { name: 'door.png', type: 'image/png', size: png.length, data: png } });
      const small = await fetchAttachment(http.url('/door.png'), files(), 3);
      assert.deepEqual(small, { file: { name: 'door.png', error: 'too-large' }, problem: undefined });
      const gone = await fetchAttachment(http.url('/gone.png'), files(), 100);
      assert.deepEqual(gone.file, { name: 'gone.png', error: 'download-failed' });
      assert.ok(gone.problem instanceof FileError && gone.problem.status === 404);
    });
  });
});
