import { strict as assert } from 'node:assert';
import { Scram, ScramSha1, ScramSha256, ScramSha512, downgradeHash, type SaltedPasswordCache } from '../../nodes/core/session/scram';
import { chooseMechanism } from '../../nodes/core/session/login';
import { XmppError } from '../../nodes/core/errors';
import { english } from './english';

// The example exchange of RFC 5802, section 5.
const CLIENT_NONCE = 'fyko+d2lbbFgONRv9qkxdawL';
const SERVER_FIRST = 'r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096';
const CLIENT_FINAL = 'c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=';
const SERVER_FINAL = 'v=rmF9pqV8S7suAoZWja4dJRkFsKQ=';
const creds = { username: 'user', password: 'pencil' };

async function exchange(cache: SaltedPasswordCache): Promise<ScramSha1> {
  const scram = new ScramSha1(cache, CLIENT_NONCE);
  assert.equal(await scram.response(creds), `n,,n=user,r=${CLIENT_NONCE}`);
  scram.challenge(SERVER_FIRST);
  assert.equal(await scram.response(creds), CLIENT_FINAL);
  return scram;
}

describe('SCRAM-SHA-1', () => {
  it('produces the RFC 5802 example exchange and accepts the server\'s signature', async () => {
    const scram = await exchange(new Map());
    scram.verify(SERVER_FINAL);
    assert.equal(scram.verified, true);
  });

  it('refuses a server whose signature is wrong', async () => {
    const scram = await exchange(new Map());
    assert.throws(() => scram.verify('v=AAAAAAAAAAAAAAAAAAAAAAAAAAA='), (e: unknown) => /could not prove/.test(english(e)));
    assert.throws(() => scram.verify('e=other-error'), (e: unknown) => /server error other-error/.test(english(e)));
  });

  it('refuses a challenge whose nonce does not extend ours', async () => {
    const scram = new ScramSha1(new Map(), CLIENT_NONCE);
    await scram.response(creds);
    scram.challenge('r=someoneelse,s=QSXCR+Q6sek8bf92,i=4096');
    await assert.rejects(scram.response(creds), (e: unknown) => /malformed server challenge/.test(english(e)));
  });

  it('keeps the salted password per salt and rounds, so a reconnect skips PBKDF2', async () => {
    const cache: SaltedPasswordCache = new Map();
    await exchange(cache);
    assert.deepEqual([...cache.keys()], ['sha1:QSXCR+Q6sek8bf92:4096'], 'one entry per mechanism, salt and rounds');
    const poisoned = Buffer.alloc(20);
    cache.set('sha1:QSXCR+Q6sek8bf92:4096', poisoned);
    const scram = new ScramSha1(cache, CLIENT_NONCE);
    await scram.response(creds);
    scram.challenge(SERVER_FIRST);
    assert.notEqual(await scram.response(creds), CLIENT_FINAL, 'the cached value was used');
  });

  it('escapes "=" and "," in the user name', async () => {
    const scram = new ScramSha1(new Map(), 'n');
    assert.equal(await scram.response({ username: 'a=b,c', password: '' }), 'n,,n=a=3Db=2Cc,r=n');
  });

  it('prefers SCRAM-SHA-256 when offered, then SCRAM-SHA-1', () => {
    assert.equal(chooseMechanism(['PLAIN', 'SCRAM-SHA-1', 'SCRAM-SHA-256'], false, 'starttls'), 'SCRAM-SHA-256');
    assert.equal(chooseMechanism(['SCRAM-SHA-256', 'PLAIN'], false, 'none'), 'SCRAM-SHA-256');
  });

  it('never sends PLAIN in the clear unless the user chose no encryption', () => {
    assert.equal(chooseMechanism(['PLAIN', 'SCRAM-SHA-1'], false, 'starttls'), 'SCRAM-SHA-1');
    assert.equal(chooseMechanism(['PLAIN'], true, 'starttls'), 'PLAIN');
    assert.equal(chooseMechanism(['PLAIN'], false, 'none'), 'PLAIN');
    // Nothing usable: a named error that lists what the server offered (issue 13), not "not authorized".
    assert.throws(() => chooseMechanism(['PLAIN'], false, 'starttls'), (e: unknown) => e instanceof XmppError && e.code === 'no-mechanism' && e.detail === 'PLAIN');
    assert.throws(() => chooseMechanism(['SCRAM-SHA-1-PLUS', 'X-OAUTH2'], true, 'tls'), (e: unknown) => e instanceof XmppError && e.code === 'no-mechanism' && e.detail === 'SCRAM-SHA-1-PLUS, X-OAUTH2');
  });

  it('takes the strongest SCRAM offered, with channel binding only when this connection can bind', () => {
    const all = ['PLAIN', 'SCRAM-SHA-1', 'SCRAM-SHA-1-PLUS', 'SCRAM-SHA-256', 'SCRAM-SHA-256-PLUS', 'SCRAM-SHA-512', 'SCRAM-SHA-512-PLUS'];
    assert.equal(chooseMechanism(all, true, 'tls', true), 'SCRAM-SHA-512-PLUS');
    assert.equal(chooseMechanism(all, true, 'tls', false), 'SCRAM-SHA-512');
    assert.equal(chooseMechanism(['SCRAM-SHA-1-PLUS', 'SCRAM-SHA-256'], true, 'tls', true), 'SCRAM-SHA-1-PLUS');
    assert.equal(chooseMechanism(['SCRAM-SHA-1-PLUS', 'SCRAM-SHA-256'], true, 'tls', false), 'SCRAM-SHA-256');
    assert.equal(chooseMechanism(['SCRAM-SHA-512', 'PLAIN'], false, 'none'), 'SCRAM-SHA-512');
  });
});

// The SCRAM-SHA-512 example of draft-melnikov-scram-sha-512 (user "user", password "pencil"), as
// other SASL libraries test against it; a real ejabberd with a SHA-512 store checks it too.
describe('SCRAM-SHA-512', () => {
  const nonce = 'rOprNGfwEbeRWgbNEkqO';
  const serverNonce = `${nonce}02431b08-2f89-4bad-a4e6-80c0564ec865`;
  const serverFirst = `r=${serverNonce},s=Yin2FuHTt/M0kJWb0t9OI32n2VmOGi3m+JfjOvuDF88=,i=4096`;
  const clientFinal = `c=biws,r=${serverNonce},p=Hc5yec3NmCD7t+kFRw4/3yD6/F3SQHc7AVYschRja+Bc3sbdjlA0eH1OjJc0DD4ghn1tnXN5/Wr6qm9xmaHt4A==`;
  const serverFinal = 'v=BQuhnKHqYDwQWS5jAw4sZed+C9KFUALsbrq81bB0mh+bcUUbbMPNNmBIupnS2AmyyDnG5CTBQtkjJ9kyY4kzmw==';

  it('produces the example exchange and accepts the server\'s signature; refuses a wrong one', async () => {
    const cache: SaltedPasswordCache = new Map();
    const scram = new ScramSha512(cache, nonce);
    assert.equal(scram.name, 'SCRAM-SHA-512');
    assert.equal(await scram.response(creds), `n,,n=user,r=${nonce}`);
    scram.challenge(serverFirst);
    assert.equal(await scram.response(creds), clientFinal);
    assert.throws(() => scram.verify(`v=${Buffer.alloc(64).toString('base64')}`), (e: unknown) => /could not prove/.test(english(e)));
    scram.verify(serverFinal);
    assert.equal(scram.verified, true);
    assert.equal(cache.get('sha512:Yin2FuHTt/M0kJWb0t9OI32n2VmOGi3m+JfjOvuDF88=:4096')?.length, 64);
  });
});

describe('SCRAM with channel binding (-PLUS) and downgrade protection (XEP-0474)', () => {
  const nonce = 'fyko+d2lbbFgONRv9qkxdawL';
  const serverFirst = 'r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096';

  it('names the binding type in the gs2 header and sends header and binding data in c=', async () => {
    const data = Buffer.from('0123456789abcdef0123456789abcdef');
    const scram = new Scram(new Map(), { hash: 'sha256', nonce, binding: { type: 'tls-exporter', data } });
    assert.equal(scram.name, 'SCRAM-SHA-256-PLUS');
    assert.equal(await scram.response(creds), `p=tls-exporter,,n=user,r=${nonce}`);
    scram.challenge(serverFirst);
    const final = await scram.response(creds);
    const c = /^c=([^,]+),r=/.exec(final)?.[1] ?? '';
    assert.deepEqual(Buffer.from(c, 'base64'), Buffer.concat([Buffer.from('p=tls-exporter,,'), data]));
  });

  it('says "y" when it could bind but the server offered no -PLUS (RFC 5802 section 6)', async () => {
    const scram = new Scram(new Map(), { hash: 'sha1', nonce, couldBind: true });
    assert.equal(scram.name, 'SCRAM-SHA-1');
    assert.equal(await scram.response(creds), `y,,n=user,r=${nonce}`);
    scram.challenge(serverFirst);
    assert.match(await scram.response(creds), /^c=eSws,r=/);
  });

  it('computes the XEP-0474 example hash', () => {
    // XEP-0474's full example: SHA-1 over "SCRAM-SHA-1 0x1E SCRAM-SHA-1-PLUS 0x1F tls-exporter 0x1E tls-server-end-point".
    const announced = { mechanisms: ['SCRAM-SHA-1-PLUS', 'SCRAM-SHA-1'], channelBindings: ['tls-server-end-point', 'tls-exporter'] };
    assert.equal(downgradeHash('sha1', announced), 'G6k/rBLDqgOhRRaCuuatSDFkJ08=');
  });

  it('refuses a server-first message whose h= does not match what the server announced', async () => {
    const announced = { mechanisms: ['SCRAM-SHA-1', 'SCRAM-SHA-1-PLUS'], channelBindings: ['tls-exporter', 'tls-server-end-point'] };
    const good = new Scram(new Map(), { hash: 'sha1', nonce, announced });
    await good.response(creds);
    good.challenge(`${serverFirst},h=G6k/rBLDqgOhRRaCuuatSDFkJ08=`);
    assert.match(await good.response(creds), /^c=biws,/);
    // What we saw was stripped of -PLUS on the way: the server's hash over its real list differs.
    const stripped = new Scram(new Map(), { hash: 'sha1', nonce, announced: { mechanisms: ['SCRAM-SHA-1'] } });
    await stripped.response(creds);
    stripped.challenge(`${serverFirst},h=G6k/rBLDqgOhRRaCuuatSDFkJ08=`);
    await assert.rejects(stripped.response(creds), (e: unknown) => e instanceof XmppError && e.code === 'sasl-downgrade');
  });
});

// The example exchange of RFC 7677, section 3.
describe('SCRAM-SHA-256', () => {
  const nonce = 'rOprNGfwEbeRWgbNEkqO';
  const serverFirst = 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096';
  const clientFinal = 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=';
  const serverFinal = 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=';

  it("produces the RFC 7677 example exchange and accepts the server's signature; refuses a wrong one", async () => {
    const cache: SaltedPasswordCache = new Map();
    const scram = new ScramSha256(cache, nonce);
    assert.equal(scram.name, 'SCRAM-SHA-256');
    assert.equal(await scram.response(creds), `n,,n=user,r=${nonce}`);
    scram.challenge(serverFirst);
    assert.equal(await scram.response(creds), clientFinal);
    assert.throws(() => scram.verify('v=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='), (e: unknown) => /could not prove/.test(english(e)));
    scram.verify(serverFinal);
    assert.equal(scram.verified, true);
    assert.deepEqual([...cache.keys()], ['sha256:W22ZaJ0SNY7soEsUEjb6gQ==:4096']);
    assert.equal(cache.get('sha256:W22ZaJ0SNY7soEsUEjb6gQ==:4096')?.length, 32);
  });
});
