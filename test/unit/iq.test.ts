// The IQ caller and responder, and disco/RPC/raw queries built on a fake port: only the entity
// asked may answer, every query gets one answer, and answers come back as plain objects.
import { strict as assert } from 'node:assert';
import { DiscoClient } from '../../nodes/core/disco/disco-client';
import { XmppError } from '../../nodes/core/errors';
import { IqCaller } from '../../nodes/core/iq/iq-caller';
import { IqResponder } from '../../nodes/core/iq/iq-responder';
import { RawIq } from '../../nodes/core/iq/raw-iq';
import { Rpc } from '../../nodes/core/rpc/rpc';
import { RpcFaultError } from '../../nodes/core/rpc/rpc-stanza';
import { Dispatcher } from '../../nodes/core/session/dispatcher';
import { loadXmpp, xmppLib, type XmlElement } from '../../nodes/core/xmpp-lib';
import { FakePort } from './fake-port';

describe('IQs (core)', () => {
  before(async () => {
    await loadXmpp();
  });
  const parse = (text: string): XmlElement => xmppLib().parse(text);

  describe('the caller', () => {
    function caller(): { iq: IqCaller; written: XmlElement[] } {
      const written: XmlElement[] = [];
      const iq = new IqCaller({ write: async (stanza) => void written.push(stanza), ownJid: () => 'bot@example.org/home' });
      return { iq, written };
    }

    it('takes an answer only from the entity asked: someone else using the id is ignored', async () => {
      const { iq, written } = caller();
      const asked = iq.request(parse(`<iq type="get" to="alice@example.org/phone"><ping xmlns="urn:xmpp:ping"/></iq>`), 1000);
      const id = written[0]?.attrs.id ?? '';
      assert.equal(iq.answer(parse(`<iq type="result" id="${id}" from="mallory@evil.example/x"/>`)), false);
      assert.equal(iq.answer(parse(`<iq type="result" id="${id}" from="Alice@Example.org/phone"/>`)), true);
      assert.equal((await asked).attrs.from, 'Alice@Example.org/phone');
      assert.equal(iq.waiting, 0);
    });

    it('an answer from our own server may come without from; an error answer rejects with its condition', async () => {
      const { iq, written } = caller();
      const asked = iq.request(parse(`<iq type="get"><query xmlns="jabber:iq:roster"/></iq>`), 1000);
      assert.equal(iq.answer(parse(`<iq type="result" id="${written[0]?.attrs.id}"/>`)), true);
      await asked;
      const refused = iq.request(parse(`<iq type="get" to="example.org"><x xmlns="urn:example"/></iq>`), 1000);
      iq.answer(parse(`<iq type="error" id="${written[1]?.attrs.id}" from="example.org"><error type="cancel"><item-not-found xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/></error></iq>`));
      await assert.rejects(refused, (e: unknown) => e instanceof XmppError && e.code === 'stanza-error' && e.condition === 'item-not-found');
    });

    it('gives up after the timeout, and a failed write rejects at once', async () => {
      const { iq } = caller();
      await assert.rejects(iq.request(parse(`<iq type="get" to="a@b/c"><ping xmlns="urn:xmpp:ping"/></iq>`), 20), (e: unknown) => e instanceof XmppError && e.code === 'timeout');
      const offline = new IqCaller({ write: () => Promise.reject(new XmppError('not-connected')), ownJid: () => 'bot@example.org/home' });
      await assert.rejects(offline.request(parse(`<iq type="get"><ping xmlns="urn:xmpp:ping"/></iq>`), 1000), (e: unknown) => e instanceof XmppError && e.code === 'not-connected');
      assert.equal(iq.waiting, 0);
    });
  });

  describe('the responder', () => {
    it('answers by the handler for (type, namespace, element); none: service-unavailable; a throw: internal-server-error', async () => {
      const errors: unknown[] = [];
      const responder = new IqResponder(xmppLib().xml, (error) => errors.push(error));
      const remove = responder.handle('get', 'urn:example:a', 'query', (iq) => xmppLib().xml('query', { xmlns: 'urn:example:a' }, iq.from));
      responder.handle('set', 'urn:example:b', 'boom', () => {
        throw new Error('a broken handler');
      });
      const ask = (type: 'get' | 'set', ns: string, name: string): Promise<unknown> => responder.answer({ from: 'alice@example.org/x', id: 'i', type, child: xmppLib().xml(name, { xmlns: ns }) });
      assert.equal(String(await ask('get', 'urn:example:a', 'query')), '<query xmlns="urn:example:a">alice@example.org/x</query>');
      assert.equal(await ask('set', 'urn:example:a', 'query'), undefined, 'a get handler does not answer a set');
      assert.equal(String(await ask('set', 'urn:example:b', 'boom')), '<error type="cancel"><internal-server-error xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/></error>');
      assert.equal(errors.length, 1);
      remove();
      assert.equal(await ask('get', 'urn:example:a', 'query'), undefined);
    });
  });

  describe('the dispatcher', () => {
    it('hands a stanza to the module that claims its kind and namespace alone, the rest to every subscriber', () => {
      const dispatcher = new Dispatcher(() => undefined);
      const claimed: string[] = [];
      const general: string[] = [];
      dispatcher.claim('presence', 'http://jabber.org/protocol/muc#user', (s) => claimed.push(s.attrs.from ?? ''));
      dispatcher.subscribe('presence', (s) => general.push(s.attrs.from ?? ''));
      dispatcher.dispatch(parse(`<presence from="room@conference.example.org/alice"><x xmlns="http://jabber.org/protocol/muc#user"/></presence>`));
      dispatcher.dispatch(parse(`<presence from="bob@example.org/desk"/>`));
      assert.deepEqual([claimed, general], [['room@conference.example.org/alice'], ['bob@example.org/desk']]);
    });
  });

  describe('queries built on the port', () => {
    it('disco info, items, version and a walk come back as plain objects; a failing item keeps its condition', async () => {
      const port = new FakePort();
      port.answer = (iq) => {
        const to = iq.attrs.to;
        const query = iq.getChildElements()[0];
        const ns = query?.attrs.xmlns;
        if (to === 'broken.example.org') return parse(`<iq type="error" id="${iq.attrs.id}" from="${to}"><error type="cancel"><item-not-found xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/></error></iq>`);
        if (ns === 'http://jabber.org/protocol/disco#items') return parse(`<iq type="result" id="${iq.attrs.id}" from="${to}"><query xmlns="${ns}"><item jid="conference.example.org" name="Rooms"/><item jid="broken.example.org"/></query></iq>`);
        if (ns === 'jabber:iq:version') return parse(`<iq type="result" id="${iq.attrs.id}" from="${to}"><query xmlns="${ns}"><name>Prosody</name><version>0.12</version></query></iq>`);
        return parse(`<iq type="result" id="${iq.attrs.id}" from="${to}"><query xmlns="${ns}"><identity category="conference" type="text" name="Rooms"/><feature var="http://jabber.org/protocol/muc"/></query></iq>`);
      };
      const disco = new DiscoClient(port);
      assert.deepEqual(await disco.info('conference.example.org', undefined, 1000), { identities: [{ category: 'conference', type: 'text', name: 'Rooms', lang: undefined }], features: ['http://jabber.org/protocol/muc'], forms: [] });
      assert.deepEqual(await disco.version('example.org', 1000), { name: 'Prosody', version: '0.12', os: undefined });
      const walked = await disco.walk('example.org', undefined, 1, 1000);
      assert.deepEqual(walked.map((item) => [item.jid, item.info?.features[0], item.error]), [
        ['conference.example.org', 'http://jabber.org/protocol/muc', undefined],
        ['broken.example.org', undefined, 'item-not-found'],
      ]);
    });

    it('an RPC call resolves with its result and rejects with the fault; serving announces itself in disco', async () => {
      const port = new FakePort();
      const announced: string[] = [];
      const rpc = new Rpc(port, { addFeature: (f) => (announced.push(f), () => undefined), addIdentity: (i) => (announced.push(`${i.category}/${i.type}`), () => undefined) });
      port.answer = (iq) => {
        const method = iq.getChild('query')?.getChild('methodCall')?.getChildText('methodName');
        const response = method === 'fail' ? '<fault><value><struct><member><name>faultCode</name><value><int>4</int></value></member><member><name>faultString</name><value><string>no</string></value></member></struct></value></fault>' : '<params><param><value><string>ok</string></value></param></params>';
        return parse(`<iq type="result" id="${iq.attrs.id}" from="${iq.attrs.to}"><query xmlns="jabber:iq:rpc"><methodResponse>${response}</methodResponse></query></iq>`);
      };
      assert.equal(await rpc.call('svc@example.org/rpc', 'echo', ['x'], 1000), 'ok');
      await assert.rejects(rpc.call('svc@example.org/rpc', 'fail', [], 1000), (e: unknown) => e instanceof RpcFaultError && e.fault.faultCode === 4 && e.fault.faultString === 'no');
      const stop = rpc.serve(['echo'], { mode: 'anyone', callers: [] }, (call, _from, respond) => void respond({ result: call.params[0] ?? null }));
      assert.deepEqual(announced, ['jabber:iq:rpc', 'automation/rpc']);
      stop();
    });

    it('a raw IQ takes its child as XML text or by name and namespace, and answers as text and as a plain object', async () => {
      const port = new FakePort();
      port.answer = (iq) => parse(`<iq type="result" id="${iq.attrs.id}"><time xmlns="urn:xmpp:time"><utc>2026-12-01T00:00:00Z</utc></time></iq>`);
      const raw = new RawIq(port);
      const answer = await raw.request('example.org', 'get', `<time xmlns='urn:xmpp:time'/>`, 1000);
      assert.equal(answer.xml, '<time xmlns="urn:xmpp:time"><utc>2026-12-01T00:00:00Z</utc></time>');
      assert.deepEqual(answer.element, { name: 'time', attrs: { xmlns: 'urn:xmpp:time' }, children: [{ name: 'utc', attrs: {}, children: [], text: '2026-12-01T00:00:00Z' }], text: '' });
      await raw.request(undefined, 'set', { name: 'ping', xmlns: 'urn:xmpp:ping', attrs: { a: '1' } }, 1000);
      assert.equal(String(port.requests[1]), '<iq type="set"><ping a="1" xmlns="urn:xmpp:ping"/></iq>');
      await assert.rejects(raw.request(undefined, 'get', '<unclosed', 1000), (e: unknown) => e instanceof XmppError && e.code === 'invalid-payload');
    });
  });
});
