// OMEMO's XMPP side against fake ports on a fake PEP server, with a stand-in engine: publishing
// our device, finding a contact's, encrypting for the trusted ones in the newest version each
// publishes, decrypting, and each named failure (not for us, replayed, tampered, broken session).
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IncomingMessage, OutgoingMessage } from '../../nodes/core/messages/message-stanza';
import { Messages } from '../../nodes/core/messages/messages';
import { EncryptionError } from '../../nodes/core/omemo/encryption-error';
import { Omemo, type OmemoOptions } from '../../nodes/core/omemo/omemo';
import type { OmemoNotice } from '../../nodes/core/omemo/omemo-notice';
import { storePath } from '../../nodes/core/omemo/store-file';
import { normalizeFingerprint, parseVerified } from '../../nodes/core/omemo/trust';
import { loadXmpp, xmppLib } from '../../nodes/core/xmpp-lib';
import { omemoEngineFactory } from '../../nodes/core/omemo/crypto/engine-factory';
import type { OmemoEngineFactory } from '../../nodes/core/omemo/engine';
import { FakeOmemoFactory } from './fake-omemo-engine';
import { FakePepServer } from './fake-pep-server';
import type { FakePort } from './fake-port';

const NS2 = 'urn:xmpp:omemo:2';
const NS03 = 'eu.siacs.conversations.axolotl';

/** One account's client as far as OMEMO goes: its port, messages, OMEMO, what it heard. */
interface Account {
  port: FakePort;
  omemo: Omemo;
  received: IncomingMessage[];
  notices: OmemoNotice[];
  features: string[];
}

let dir: string;
let server: FakePepServer;
let factory: OmemoEngineFactory;

function account(jid: string, options: Partial<OmemoOptions> = {}): Account {
  const port = server.connect(jid);
  const messages = new Messages(port);
  const features: string[] = [];
  const disco = { addFeature: (f: string) => (features.push(f), () => undefined) };
  const omemo = new Omemo(port, messages, disco, { factory, storePath: storePath(join(dir, jid.split('/')[1] ?? ''), jid.split('/')[0] ?? jid), verified: new Map(), parse: xmppLib().parse, ...options });
  const received: IncomingMessage[] = [];
  // PEP notifications are messages too: only those with a body count here.
  messages.onMessage((m) => {
    if (m.body !== undefined) received.push(m);
  });
  const notices: OmemoNotice[] = [];
  omemo.onNotice((n) => notices.push(n));
  return { port, omemo, received, notices, features };
}

/** Logs in and waits until both versions' lists and bundles are published. */
async function online(a: Account): Promise<void> {
  await a.omemo.ready();
  const before = a.port.requests.length;
  a.port.login();
  await until(() => a.port.requests.slice(before).filter((iq) => iq.attrs.type === 'set').length >= 4);
}

/** Checks after each turn of the event loop (store writes are real file I/O) for up to 5 s. */
async function until(condition: () => boolean, what = 'the condition'): Promise<void> {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    if (condition()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`waited in vain for ${what}`);
}

/** Seals and sends the way xmpp-out does. */
async function send(from: Account, to: string, body: string, requirement: 'possible' | 'required' = 'required'): Promise<boolean> {
  const message: OutgoingMessage = { to, type: 'chat', body, subject: 'secret subject' };
  const sealed = await from.omemo.seal(message, requirement);
  const messages = new Messages(from.port);
  await messages.send(sealed ?? message);
  return sealed !== undefined;
}

// The XMPP side with the stand-in engine, and the same scenarios with the real one (crypto/).
for (const [engineName, engineFactory] of [['fake engine', new FakeOmemoFactory()], ['real engine', omemoEngineFactory]] as const) describe(`OMEMO (core, ${engineName})`, () => {
  before(async () => {
    await loadXmpp();
    factory = engineFactory;
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'omemo-test-'));
    server = new FakePepServer();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('after login, publishes our device in both lists and both bundles, open to anyone, and asks for list notifications', async () => {
    const bot = account('bot@example.org/red');
    await online(bot);
    const fps = await bot.omemo.fingerprints();
    const device = String(fps[0]?.device);
    assert.ok(server.items('bot@example.org', `${NS2}:devices`)?.get('current')?.includes(`id="${device}"`));
    assert.ok(server.items('bot@example.org', `${NS03}.devicelist`)?.get('current')?.includes(`id="${device}"`));
    assert.ok(server.items('bot@example.org', `${NS2}:bundles`)?.get(device)?.startsWith('<bundle'));
    assert.ok(server.items('bot@example.org', `${NS03}.bundles:${device}`)?.get('current')?.startsWith('<bundle'));
    assert.deepEqual(server.settings.get(`bot@example.org ${NS2}:bundles`), { 'pubsub#access_model': 'open', 'pubsub#max_items': 'max' });
    assert.deepEqual(server.settings.get(`bot@example.org ${NS03}.devicelist`), { 'pubsub#access_model': 'open' });
    assert.deepEqual(bot.features.sort(), [`${NS03}.devicelist+notify`, `${NS2}:devices+notify`]);
    assert.deepEqual(bot.notices.map((n) => n.code), ['device-created']);
  });

  it('a node made with other settings is configured to ours, then published to', async () => {
    const bot = account('bot@example.org/red');
    server.strictNodes.add(`${NS2}:devices`);
    await online(bot);
    await until(() => server.items('bot@example.org', `${NS2}:devices`) !== undefined);
    assert.equal(server.strictNodes.size, 0);
    assert.ok(bot.port.requests.some((iq) => iq.getChild('pubsub', 'http://jabber.org/protocol/pubsub#owner')));
  });

  it('a message to a contact: encrypted in OMEMO 2 for its device and our other one, decrypted there, trusted blindly; the fallback body, hints, no subject in clear', async () => {
    const bot = account('bot@example.org/red');
    const botPhone = account('bot@example.org/phone');
    const alice = account('alice@example.org/phone');
    for (const a of [bot, botPhone, alice]) await online(a);
    assert.equal(await send(bot, 'alice@example.org', 'door open'), true);
    await until(() => alice.received.length === 1, 'alice hears');
    const [got] = alice.received;
    assert.equal(got?.body, 'door open');
    assert.equal(got?.encryption?.protocol, '2');
    assert.equal(got?.encryption?.trusted, true);
    assert.equal(got?.encryption?.device, (await bot.omemo.fingerprints())[0]?.device);
    assert.equal(got?.subject, undefined, 'the subject stayed home');
    const stanza = bot.port.sent.at(-1);
    assert.match(stanza?.getChildText('body') ?? '', /OMEMO/);
    assert.ok(stanza?.getChild('encryption', 'urn:xmpp:eme:0'));
    assert.ok(stanza?.getChild('store', 'urn:xmpp:hints'));
    assert.ok(!stanza?.toString().includes('door open'));
    // Our own other device got a key too (it would read the copy the server sends it).
    const keys = stanza?.getChild('encrypted', NS2)?.getChild('header')?.getChildren('keys') ?? [];
    assert.deepEqual(keys.map((k) => k.attrs.jid).sort(), ['alice@example.org', 'bot@example.org']);
    // And back.
    assert.equal(await send(alice, 'bot@example.org', 'close it'), true);
    await until(() => bot.received.length === 1, 'the bot hears');
    assert.equal(bot.received[0]?.body, 'close it');
    await until(() => botPhone.received.at(-1)?.body === 'close it', 'our other device to be written to as well');
  });

  it('a contact that publishes only OMEMO 0.3 gets 0.3 (no OMEMO 2 element), and reads it', async () => {
    // A client that speaks only 0.3 (its 2 list is gone before the bot hears of it).
    const old = account('old@example.org/conversations');
    await online(old);
    server.nodes.get('old@example.org')?.delete(`${NS2}:devices`);
    const bot = account('bot@example.org/red');
    await online(bot);
    assert.equal(await send(bot, 'old@example.org', 'hello 0.3'), true);
    assert.ok(bot.port.sent.at(-1)?.getChild('encrypted', NS03));
    assert.equal(bot.port.sent.at(-1)?.getChild('encrypted', NS2), undefined);
    await until(() => old.received.length === 1);
    assert.equal(old.received[0]?.encryption?.protocol, '0.3');
    assert.equal(old.received[0]?.body, 'hello 0.3');
  });

  it('required: no-devices for a contact without OMEMO, sent in clear when only possible', async () => {
    const bot = account('bot@example.org/red');
    const plain = server.connect('plain@example.org/x');
    const plainMessages = new Messages(plain);
    const heard: IncomingMessage[] = [];
    plainMessages.onMessage((m) => heard.push(m));
    await online(bot);
    await assert.rejects(bot.omemo.seal({ to: 'plain@example.org', type: 'chat', body: 'x' }, 'required'), (e: unknown) => e instanceof EncryptionError && e.code === 'no-devices');
    assert.equal(await send(bot, 'plain@example.org', 'in clear', 'possible'), false);
    assert.equal(heard.at(-1)?.body, 'in clear');
  });

  it('a room message cannot be encrypted: refused when required', async () => {
    const bot = account('bot@example.org/red');
    await online(bot);
    await assert.rejects(bot.omemo.seal({ to: 'room@muc.example.org', type: 'groupchat', body: 'x' }, 'required'), (e: unknown) => e instanceof EncryptionError && e.code === 'encrypted-rooms-unsupported');
  });

  it('blind trust before verification: once one of alice\'s devices is verified, her other and new devices are not trusted (no-trusted-devices when none is verified)', async () => {
    const alicePhone = account('alice@example.org/phone');
    const aliceTablet = account('alice@example.org/tablet');
    await online(alicePhone);
    await online(aliceTablet);
    const phone = (await alicePhone.omemo.fingerprints()).find((f) => f.version === '2');
    if (!phone) throw new Error('no fingerprint');
    const verified = parseVerified(`alice@example.org ${phone.fingerprint}\n`).verified;
    const bot = account('bot@example.org/red', { verified });
    await online(bot);
    await send(bot, 'alice@example.org', 'only the phone');
    await until(() => alicePhone.received.length === 1);
    assert.equal(aliceTablet.received.length, 0, 'the unverified tablet got no key');
    assert.equal(aliceTablet.notices.filter((n) => n.code === 'not-for-us').length, 1);
    // Both write to the bot: the phone's message is trusted, the tablet's is not.
    await send(alicePhone, 'bot@example.org', 'from the phone');
    await send(aliceTablet, 'bot@example.org', 'from the tablet');
    await until(() => bot.received.length === 2);
    assert.deepEqual(bot.received.map((m) => [m.body, m.encryption?.trusted]), [['from the phone', true], ['from the tablet', false]]);
    // Someone with only unverified devices: nothing is sent when encryption is required.
    const eve = parseVerified(`eve@example.org ${'ab'.repeat(32)}`).verified;
    const strict = account('bot2@example.org/red', { verified: eve });
    const eveDevice = account('eve@example.org/x');
    await online(strict);
    await online(eveDevice);
    await assert.rejects(strict.omemo.seal({ to: 'eve@example.org', type: 'chat', body: 'x' }, 'required'), (e: unknown) => e instanceof EncryptionError && e.code === 'no-trusted-devices');
    assert.equal(normalizeFingerprint(phone.fingerprint).length, 64);
  });

  it('a replayed message and a tampered one are refused with their names; the next one is read', async () => {
    const bot = account('bot@example.org/red');
    const alice = account('alice@example.org/phone');
    await online(bot);
    await online(alice);
    await send(alice, 'bot@example.org', 'first');
    await until(() => bot.received.length === 1);
    // The same stanza again, with new ids (or it would be dropped as seen before decryption).
    const replay = (alice.port.sent.at(-1)?.toString() ?? '').replace(/ id="[^"]+"/g, ' id="again"').replace('<message ', '<message from="alice@example.org/phone" ');
    bot.port.deliver(replay);
    await until(() => bot.notices.some((n) => n.code === 'replayed'), 'a replay notice');
    server.tamper = (text) => text.replace(/<payload>(.)/, (_m, c: string) => `<payload>${c === 'A' ? 'B' : 'A'}`);
    await send(alice, 'bot@example.org', 'tampered');
    await until(() => bot.notices.some((n) => n.code === 'tampered'), 'a tamper notice');
    server.tamper = undefined;
    await send(alice, 'bot@example.org', 'after');
    await until(() => bot.received.length === 2);
    assert.deepEqual(bot.received.map((m) => m.body), ['first', 'after']);
    assert.equal(bot.omemo.counts?.refused, 2);
  });

  it('a message for another device is dropped and counted; nothing reaches the flows', async () => {
    const bot = account('bot@example.org/red');
    const alice = account('alice@example.org/phone');
    await online(bot);
    await online(alice);
    bot.port.deliver(`<message from="alice@example.org/phone" to="bot@example.org" type="chat" id="x1"><encrypted xmlns="${NS2}"><header sid="77"><keys jid="bot@example.org"><key rid="12345">AAAA</key></keys></header><payload>AAAA</payload></encrypted><body>fallback</body></message>`);
    await until(() => bot.omemo.counts?.notForUs === 1);
    assert.equal(bot.received.length, 0);
  });

  it('a broken session (the bot lost it) is answered once with a new key exchange, and the conversation goes on', async () => {
    const alice = account('alice@example.org/phone');
    await online(alice);
    const bot = account('bot@example.org/red', { healIntervalMs: 60_000 });
    await online(bot);
    await bot.omemo.close();
    const path = storePath(join(dir, 'red'), 'bot@example.org');
    const before = readFileSync(path, 'utf8');
    await send(bot, 'alice@example.org', 'hello');
    await until(() => alice.received.length === 1);
    // The bot restarts from its store as it was before the session (a backup put back): alice's next messages reach a device that no longer knows her.
    await bot.omemo.close();
    writeFileSync(path, before);
    const restarted = account('bot@example.org/red', { healIntervalMs: 60_000 });
    await online(restarted);
    const sentBefore = restarted.port.sent.length;
    await send(alice, 'bot@example.org', 'lost 1');
    await send(alice, 'bot@example.org', 'lost 2');
    // The first is a broken session; the second one too, or (once the new session exists, with the real engine) a message that fails its MAC.
    const refused = (): OmemoNotice[] => restarted.notices.filter((n) => n.code === 'broken-session' || n.code === 'tampered');
    await until(() => refused().length === 2, `two refusals (${JSON.stringify(restarted.notices)})`);
    assert.equal(refused()[0]?.code, 'broken-session');
    await until(() => restarted.port.sent.length > sentBefore, 'the healing message');
    const heal = restarted.port.sent.slice(sentBefore);
    assert.equal(heal.length, 1, 'one key exchange however many messages fail');
    assert.equal(heal[0]?.getChild('encrypted', NS2)?.getChild('payload'), undefined, 'a key transport: no payload');
    await send(alice, 'bot@example.org', 'healed');
    await until(() => restarted.received.length === 1);
    assert.equal(restarted.received[0]?.body, 'healed');
  });

  it('a key exchange that used one of our pre-keys gets our bundle published again', async () => {
    const bot = account('bot@example.org/red');
    const alice = account('alice@example.org/phone');
    await online(bot);
    await online(alice);
    const device = String((await bot.omemo.fingerprints())[0]?.device);
    const before = server.items('bot@example.org', `${NS2}:bundles`)?.get(device);
    await send(alice, 'bot@example.org', 'hi');
    await until(() => server.items('bot@example.org', `${NS2}:bundles`)?.get(device) !== before, 'a new bundle');
  });

  it('when another client of ours publishes the list without us, we put ourselves back', async () => {
    const bot = account('bot@example.org/red');
    await online(bot);
    const device = String((await bot.omemo.fingerprints())[0]?.device);
    const other = server.connect('bot@example.org/other');
    await other.request(xmppLib().parse(`<iq type="set" id="p1"><pubsub xmlns="http://jabber.org/protocol/pubsub"><publish node="${NS2}:devices"><item id="current"><devices xmlns="${NS2}"><device id="4242"/></devices></item></publish></pubsub></iq>`));
    await until(() => server.items('bot@example.org', `${NS2}:devices`)?.get('current')?.includes(`id="${device}"`) === true, 'us back in the list');
    assert.ok(server.items('bot@example.org', `${NS2}:devices`)?.get('current')?.includes('id="4242"'), 'and the other device stays');
  });

  it('a restart keeps the device and its sessions: no new device, no key exchange needed', async () => {
    const alice = account('alice@example.org/phone');
    await online(alice);
    let bot = account('bot@example.org/red');
    await online(bot);
    const device = (await bot.omemo.fingerprints())[0]?.device;
    await send(bot, 'alice@example.org', 'before');
    await send(alice, 'bot@example.org', 'ack');
    await until(() => bot.received.length === 1);
    await bot.omemo.close();
    bot = account('bot@example.org/red');
    await online(bot);
    assert.equal((await bot.omemo.fingerprints())[0]?.device, device);
    assert.equal(bot.notices.length, 0, 'no new device');
    await send(bot, 'alice@example.org', 'after');
    await until(() => alice.received.length === 2);
    const keys = bot.port.sent.at(-1)?.getChild('encrypted', NS2)?.getChild('header')?.getChildren('keys')[0]?.getChildren('key') ?? [];
    assert.equal(keys[0]?.attrs.kex, undefined, 'the session went on');
    assert.deepEqual(alice.received.map((m) => m.body), ['before', 'after']);
  });

  it('messages delivered out of order are all read, and heard in the order they came', async () => {
    const bot = account('bot@example.org/red');
    const alice = account('alice@example.org/phone');
    await online(bot);
    await online(alice);
    await send(alice, 'bot@example.org', 'start');
    await until(() => bot.received.length === 1);
    server.hold = true;
    for (const n of [1, 2, 3, 4]) await send(alice, 'bot@example.org', `m${n}`);
    server.hold = false;
    server.release([2, 0, 3, 1]);
    await until(() => bot.received.length === 5);
    assert.deepEqual(bot.received.map((m) => m.body), ['start', 'm3', 'm1', 'm4', 'm2']);
  });
});
