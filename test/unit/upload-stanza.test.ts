// XEP-0363 and XEP-0066 stanzas ↔ plain objects: the service's limit, the slot (only the
// headers the XEP allows, no newlines), and a message's out-of-band link both ways.
import { strict as assert } from 'node:assert';
import { readInfo } from '../../nodes/core/disco/disco-stanza';
import { FileError } from '../../nodes/core/files/file-error';
import { isMediaType, mediaTypeOf } from '../../nodes/core/files/media-types';
import { buildOob, readOob } from '../../nodes/core/files/oob-stanza';
import { buildSlotRequest, maxFileSize, offersUpload, readSlot } from '../../nodes/core/files/upload-stanza';
import { buildMessage, readMessage } from '../../nodes/core/messages/message-stanza';
import { loadXmpp, xmppLib } from '../../nodes/core/xmpp-lib';

const NS = 'urn:xmpp:http:upload:0';

describe('upload and out-of-band stanzas (core)', () => {
  before(async () => {
    await loadXmpp();
  });
  const parse = (text: string): ReturnType<ReturnType<typeof xmppLib>['parse']> => xmppLib().parse(text);

  it("reads XEP-0363's example service: it offers upload, up to 5 MiB", () => {
    const info = readInfo(
      parse(
        `<query xmlns="http://jabber.org/protocol/disco#info"><identity category="store" type="file" name="HTTP File Upload"/><feature var="${NS}"/>` +
          `<x type="result" xmlns="jabber:x:data"><field var="FORM_TYPE" type="hidden"><value>${NS}</value></field><field var="max-file-size"><value>5242880</value></field></x></query>`,
      ),
    );
    assert.equal(offersUpload(info), true);
    assert.equal(maxFileSize(info), 5242880);
  });

  it('a service naming no limit, or nonsense, has none; a form of another type does not count', () => {
    const info = (form: string): ReturnType<typeof readInfo> => readInfo(parse(`<query xmlns="http://jabber.org/protocol/disco#info"><feature var="${NS}"/>${form}</query>`));
    assert.equal(maxFileSize(info('')), undefined);
    assert.equal(maxFileSize(info(`<x type="result" xmlns="jabber:x:data"><field var="FORM_TYPE"><value>${NS}</value></field><field var="max-file-size"><value>lots</value></field></x>`)), undefined);
    assert.equal(maxFileSize(info(`<x type="result" xmlns="jabber:x:data"><field var="FORM_TYPE"><value>urn:other</value></field><field var="max-file-size"><value>10</value></field></x>`)), undefined);
    assert.equal(offersUpload(readInfo(parse('<query xmlns="http://jabber.org/protocol/disco#info"><feature var="http://jabber.org/protocol/muc"/></query>'))), false);
  });

  it('asks for a slot with the file name, size and type', () => {
    const iq = buildSlotRequest(xmppLib().xml, 'upload.example.org', { name: 'door cam.jpg', size: 23456, type: 'image/jpeg' });
    assert.equal(iq.toString(), `<iq type="get" to="upload.example.org"><request xmlns="${NS}" filename="door cam.jpg" size="23456" content-type="image/jpeg"/></iq>`);
  });

  it('takes from a slot only the Authorization, Cookie and Expires headers, without newlines', () => {
    const slot = readSlot(
      parse(
        `<iq type="result"><slot xmlns="${NS}"><put url="https://upload.example.org/abc/a.jpg"><header name="Authorization">Basic Base64String==</header>` +
          `<header name="Host">elsewhere.example</header><header name="cookie">foo=bar\r\nX-Evil: 1</header><header name="X-Custom">1</header><header name="Expires">Tue</header></put>` +
          `<get url="https://download.example.org/abc/a.jpg"/></slot></iq>`,
      ),
    );
    assert.deepEqual(slot, {
      put: { url: 'https://upload.example.org/abc/a.jpg', headers: { Authorization: 'Basic Base64String==', Cookie: 'foo=barX-Evil: 1', Expires: 'Tue' } },
      get: 'https://download.example.org/abc/a.jpg',
    });
  });

  it('a slot without a PUT or GET URL, or with one that is not http(s), is refused as upload-failed', () => {
    const refused = (inner: string): void =>
      assert.throws(
        () => readSlot(parse(`<iq type="result"><slot xmlns="${NS}">${inner}</slot></iq>`)),
        (error: unknown) => error instanceof FileError && error.code === 'upload-failed',
      );
    refused('<get url="https://d.example/x"/>');
    refused('<put url="https://u.example/x"/>');
    refused('<put url="file:///etc/passwd"/><get url="https://d.example/x"/>');
    refused('<put url="https://u.example/x"/><get url="javascript:alert(1)"/>');
    assert.throws(() => readSlot(parse('<iq type="result"/>')), FileError);
  });

  it('reads a message link with its description; a message with an empty link has none', () => {
    const message = readMessage(parse('<message from="a@b.c/d" type="chat"><body>https://x.example/f.png</body><x xmlns="jabber:x:oob"><url> https://x.example/f.png </url><desc>front door</desc></x></message>'));
    assert.deepEqual(message.oob, { url: 'https://x.example/f.png', desc: 'front door' });
    assert.equal(readOob(parse('<message><x xmlns="jabber:x:oob"><url/></x></message>')), undefined);
    assert.deepEqual(readOob(parse('<message><x xmlns="jabber:x:oob"><url>u</url></x></message>')), { url: 'u', desc: undefined });
    assert.equal(readMessage(parse('<message><body>plain</body></message>')).oob, undefined);
  });

  it('sends the link beside the body, its description cleaned of what XML cannot carry', () => {
    const xml = xmppLib().xml;
    assert.equal(buildOob(xml, { url: 'https://x.example/f.png' }).toString(), '<x xmlns="jabber:x:oob"><url>https://x.example/f.png</url></x>');
    const message = buildMessage(xml, { to: 'a@b.c', type: 'chat', body: 'https://x.example/f.png', oob: { url: 'https://x.example/f.png', desc: 'bell\u0007' } }, 'id1');
    assert.equal(message.toString(), '<message to="a@b.c" type="chat" id="id1"><body>https://x.example/f.png</body><x xmlns="jabber:x:oob"><url>https://x.example/f.png</url><desc>bell</desc></x><origin-id xmlns="urn:xmpp:sid:0" id="id1"/></message>');
  });

  it('guesses common media types from the name and checks given ones', () => {
    assert.deepEqual(['a.PNG', 'b.jpeg', 'c.tar.gz', 'noext', 'd.xyz', 'e.pdf'].map(mediaTypeOf), ['image/png', 'image/jpeg', 'application/gzip', 'application/octet-stream', 'application/octet-stream', 'application/pdf']);
    assert.ok(isMediaType('image/png') && isMediaType('text/plain; charset=utf-8') && isMediaType('application/vnd.api+json'));
    assert.ok(!isMediaType('png') && !isMediaType('image/png\r\nX: 1') && !isMediaType('') && !isMediaType('a/b c'));
  });
});
