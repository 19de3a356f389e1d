// The OMEMO store file: 0600 in a 0700 folder, written whole or not at all, coalesced writes;
// a missing file makes a new device, an unusable one is set aside and replaced, never fatal.
import { strict as assert } from 'node:assert';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { OmemoAccount, StoreInUseError } from '../../nodes/core/omemo/omemo-account';
import { SaveQueue } from '../../nodes/core/omemo/save-queue';
import { parseStore } from '../../nodes/core/omemo/store-data';
import { storePath, STORE_FOLDER, writeStoreFile } from '../../nodes/core/omemo/store-file';
import { FakeOmemoFactory } from './fake-omemo-engine';

const mode = (path: string): number => statSync(path).mode & 0o777;

describe('OMEMO store (core)', () => {
  let userDir: string;
  const factory = new FakeOmemoFactory();
  beforeEach(() => {
    userDir = mkdtempSync(join(tmpdir(), 'omemo-store-'));
  });
  afterEach(() => rmSync(userDir, { recursive: true, force: true }));

  it('one file per account under the user directory, its name safe whatever the JID holds', () => {
    assert.equal(storePath('/u', 'Bot@Example.org'), join('/u', STORE_FOLDER, 'bot@example.org.json'));
    assert.equal(storePath('/u', '../x@y/..'), join('/u', STORE_FOLDER, '..%2fx@y%2f...json'));
    assert.ok(!storePath('/u', 'a/b@c').slice('/u/'.length + STORE_FOLDER.length + 1).includes('/'));
  });

  it('a new device is written 0600 in a 0700 folder, even under a loose umask and in a folder made loose before', async () => {
    const path = storePath(userDir, 'bot@example.org');
    mkdirSync(dirname(path), { mode: 0o777 });
    chmodSync(dirname(path), 0o777);
    const old = process.umask(0);
    try {
      const account = await OmemoAccount.open('bot@example.org', path, factory);
      assert.equal(account.origin.kind, 'created');
    } finally {
      process.umask(old);
    }
    assert.equal(mode(path), 0o600);
    assert.equal(mode(dirname(path)), 0o700);
    assert.deepEqual(readdirSync(dirname(path)), ['bot@example.org.json'], 'no temporary file left');
  });

  it('restores the same device and what it knew; a file of another account is not used', async () => {
    const path = storePath(userDir, 'bot@example.org');
    const first = await OmemoAccount.open('bot@example.org', path, factory);
    first.known.observe('alice@example.org', '2', 5, 'ab'.repeat(32));
    await first.save();
    await first.close();
    const again = await OmemoAccount.open('bot@example.org', path, factory);
    assert.equal(again.origin.kind, 'restored');
    assert.equal(again.deviceId, first.deviceId);
    assert.equal(again.known.get('alice@example.org', '2', 5)?.fingerprint, 'ab'.repeat(32));
    assert.equal(parseStore(readFileSync(path, 'utf8'), 'mallory@example.org'), undefined);
  });

  it('a corrupt file: set aside (still 0600), a new device made, and the reason given for the log', async () => {
    const path = storePath(userDir, 'bot@example.org');
    await writeStoreFile(path, '{"format":1,"account":"bot@exa');
    const account = await OmemoAccount.open('bot@example.org', path, factory);
    assert.equal(account.origin.kind, 'replaced');
    if (account.origin.kind !== 'replaced') return;
    assert.equal(account.origin.reason, 'corrupt');
    const aside = account.origin.setAsideAs ?? '';
    assert.ok(aside.includes('.unusable-'));
    assert.equal(mode(aside), 0o600);
    assert.equal(parseStore(readFileSync(path, 'utf8'), 'bot@example.org')?.deviceId, account.deviceId);
  });

  it('an engine state the factory cannot restore counts as unusable too', async () => {
    const path = storePath(userDir, 'bot@example.org');
    await writeStoreFile(path, JSON.stringify({ format: 1, account: 'bot@example.org', deviceId: 5, engine: { nonsense: true }, devices: {} }));
    const account = await OmemoAccount.open('bot@example.org', path, factory);
    assert.equal(account.origin.kind === 'replaced' && account.origin.reason, 'engine-state');
  });

  it('a write replaces the whole file by rename: a reader sees the old text or the new, never a mix', async () => {
    const path = storePath(userDir, 'bot@example.org');
    await writeStoreFile(path, JSON.stringify({ v: 'old'.repeat(100_000) }));
    const writing = writeStoreFile(path, JSON.stringify({ v: 'new'.repeat(100_000) }));
    const seen = new Set<string>();
    let done = false;
    void writing.then(() => (done = true));
    while (!done) {
      const text = readFileSync(path, 'utf8');
      seen.add((JSON.parse(text) as { v: string }).v.slice(0, 3));
      await new Promise((resolve) => setImmediate(resolve));
    }
    seen.add((JSON.parse(readFileSync(path, 'utf8')) as { v: string }).v.slice(0, 3));
    assert.ok(seen.has('new'));
    for (const v of seen) assert.ok(v === 'old' || v === 'new');
  });

  it('a write that fails (here the rename: a folder stands where the file goes) leaves what was there and no temporary file, and rejects', async () => {
    const path = storePath(userDir, 'bot@example.org');
    mkdirSync(path, { recursive: true });
    writeFileSync(join(path, 'inside'), 'x');
    await assert.rejects(writeStoreFile(path, '"new"'));
    assert.deepEqual(readdirSync(dirname(path)), ['bot@example.org.json']);
    assert.deepEqual(readdirSync(path), ['inside']);
  });

  it('saves asked for during a write share one more write, which starts after they asked', async () => {
    const writes: number[] = [];
    let state = 0;
    let release: (() => void) | undefined;
    const queue = new SaveQueue(async () => {
      writes.push(state);
      await new Promise<void>((resolve) => (release = resolve));
    });
    state = 1;
    const a = queue.save();
    state = 2;
    const b = queue.save();
    state = 3;
    const c = queue.save();
    release?.();
    await a;
    await new Promise((resolve) => setImmediate(resolve));
    release?.();
    await Promise.all([b, c]);
    assert.deepEqual(writes, [1, 3], 'the second write has the state of the last asker');
  });

  it('a store that cannot be made rejects open() (the module then reports store-failed and sends nothing encrypted)', async () => {
    const blocked = join(userDir, 'blocked');
    writeFileSync(blocked, 'a file where the folder should be');
    await assert.rejects(OmemoAccount.open('bot@example.org', join(blocked, STORE_FOLDER, 'x.json'), factory));
  });

  it('one store file is open once per process: a second connection of the account is refused until the first closes', async () => {
    const path = storePath(userDir, 'bot@example.org');
    const first = await OmemoAccount.open('bot@example.org', path, factory);
    await assert.rejects(OmemoAccount.open('bot@example.org', path, factory), (e: unknown) => e instanceof StoreInUseError);
    await first.close();
    const again = await OmemoAccount.open('bot@example.org', path, factory);
    assert.equal(again.deviceId, first.deviceId);
    await again.close();
  });
});
