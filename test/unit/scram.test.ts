import { strict as assert } from 'node:assert';
import { ScramSha1, ScramSha256, type SaltedPasswordCache } from '../../nodes/core/session/scram';
import { chooseMechanism } from '../../nodes/core/session/login';
import { XmppError } from '../../nodes/core/errors';

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
    assert.throws(() => scram.verify('v=AAAAAAAAAAAAAAAAAAAAAAAAAAA='), /could not prove/);
    assert.throws(() => scram.verify('e=other-error'), /server error other-error/);
  });

  it('refuses a challenge whose nonce does not extend ours', async () => {
    const scram = new ScramSha1(new Map(), CLIENT_NONCE);
    await scram.response(creds);
    scram.challenge('r=someoneelse,s=QSXCR+Q6sek8bf92,i=4096');
    await assert.rejects(scram.response(creds), /malformed server challenge/);
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
    assert.throws(() => chooseMechanism(['SCRAM-SHA-512', 'X-OAUTH2'], true, 'tls'), (e: unknown) => e instanceof XmppError && e.code === 'no-mechanism' && e.detail === 'SCRAM-SHA-512, X-OAUTH2');
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
    assert.throws(() => scram.verify('v=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='), /could not prove/);
    scram.verify(serverFinal);
    assert.equal(scram.verified, true);
    assert.deepEqual([...cache.keys()], ['sha256:W22ZaJ0SNY7soEsUEjb6gQ==:4096']);
    assert.equal(cache.get('sha256:W22ZaJ0SNY7soEsUEjb6gQ==:4096')?.length, 32);
  });
});
