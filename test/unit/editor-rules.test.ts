// The editor's shared script (resources/xmpp-editor.js) against the runtime: a JID the editor
// accepts is one the runtime accepts and the other way round, every reason it gives has words in
// the catalog, and the field validators say what is wrong.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseJid } from '../../nodes/core/jid';
import { readJid } from '../../nodes/lib/config-options';
import { RateWindow } from '../../nodes/lib/rate-window';

const root = join(__dirname, '..', '..', '..');

type Validator = (this: Record<string, unknown>, v: unknown, opt?: Record<string, unknown>) => true | false | string;

interface EditorRules {
  jidProblem(text: string): string | null;
  accountJidProblem(text: string): string | null;
  validators: {
    jid(options?: { allowEmpty?: boolean; account?: boolean }): Validator;
    jidList(options?: { split?: RegExp; wildcards?: boolean; bareOrDomain?: boolean }): Validator;
    whole(min: number, max: number, key?: string): Validator;
    host: Validator;
    pin: Validator;
    ca: Validator;
    wsUrl: Validator;
    discoItems: Validator;
  };
}

// Without RED (outside the editor) the script answers with the message key, which is what is checked here.
const rules = require(join(root, 'resources', 'xmpp-editor.js')) as EditorRules;
const catalog = JSON.parse(readFileSync(join(root, 'locales', 'en-US', 'xmpp-config.json'), 'utf8')) as { 'xmpp-config': { validate: Record<string, unknown> } };

function runtimeAccepts(text: string): boolean {
  try {
    parseJid(text);
    return true;
  } catch {
    return false;
  }
}

function accountAccepted(text: string): boolean {
  try {
    readJid(text);
    return true;
  } catch {
    return false;
  }
}

const SAMPLES = [
  'alice@example.org',
  'Alice@Example.ORG/Phone',
  'example.org',
  'example.org.',
  'a@b.c/x/y@z',
  'a@[::1]',
  'a@127.0.0.1',
  'ünïcødé@bücher.example',
  'not a jid',
  '',
  '   ',
  '@example.org',
  'a@',
  'a@example.org/',
  'a"b@example.org',
  "a'b@example.org",
  'a:b@example.org',
  'a<b@example.org',
  'a@exa mple.org',
  'a@example..org',
  'a@.example.org',
  'a@example.org/res\u0007',
  'a@example.org/\uFFFE',
  'a@example.org/\uD800',
  'a@example.org/\uDC00x',
  'a@example.org/😀',
  `a@${'x'.repeat(63)}.org`,
  `a@${'x'.repeat(64)}.org`,
  `${'x'.repeat(1023)}@example.org`,
  `${'x'.repeat(1024)}@example.org`,
  `${'é'.repeat(512)}@example.org`,
  `a@example.org/${'r'.repeat(1024)}`,
  'a@b@c',
  'a\\b@example.org',
  'a@exa\\mple.org',
  'a@example.org/with space',
  'a\u00A0b@example.org',
  '/resource',
  'a@example.org/a/b',
];

// A fixed-seed generator: the same strings on every run, many more than anyone would list.
function* generated(count: number): Generator<string> {
  const pieces = ['a', 'B', 'é', '@', '/', '.', ' ', '"', ':', '\\', '[', ']', '\u0000', '\u001F', '\u007F', '\uFFFE', '\uD83D', '\uDE00', '-', '_', 'x'.repeat(70)];
  let seed = 7;
  const next = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed;
  };
  for (let i = 0; i < count; i++) {
    let text = '';
    const length = next() % 12;
    for (let j = 0; j < length; j++) text += pieces[next() % pieces.length];
    yield text;
  }
}

describe('the editor\'s JID rules and validators', () => {
  it('accept exactly the JIDs the runtime accepts', () => {
    const mismatches: string[] = [];
    for (const text of [...SAMPLES, ...generated(5000)]) {
      if ((rules.jidProblem(text) === null) !== runtimeAccepts(text)) mismatches.push(JSON.stringify(text));
    }
    assert.deepEqual(mismatches, []);
  });

  it('accept exactly the account JIDs the connection accepts (user@domain needed)', () => {
    for (const text of [...SAMPLES, ...generated(2000)]) {
      assert.equal(rules.accountJidProblem(text) === null, accountAccepted(text), JSON.stringify(text));
    }
  });

  it('have words in the catalog for every reason they give', () => {
    const reasons = new Set<string>();
    for (const text of [...SAMPLES, ...generated(5000)]) {
      const problem = rules.accountJidProblem(text);
      if (problem) reasons.add(problem);
    }
    assert.ok(reasons.size >= 10, `many reasons seen: ${[...reasons].join(', ')}`);
    const jidTexts = catalog['xmpp-config'].validate.jid as Record<string, string>;
    for (const reason of reasons) assert.equal(typeof jidTexts[reason], 'string', reason);
    const script = readFileSync(join(root, 'resources', 'xmpp-editor.js'), 'utf8');
    // Whole keys only (not the 'validate.jid.' a reason is appended to).
    const keys = [...script.matchAll(/t\('(validate\.[a-z.-]*[a-z-])'[,)]/g)];
    assert.ok(keys.length >= 10, 'the keys the script uses were found');
    for (const match of keys) {
      const path = (match[1] as string).split('.').slice(1);
      const found = path.reduce<unknown>((node, part) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined), catalog['xmpp-config'].validate);
      assert.equal(typeof found, 'string', match[1]);
    }
  });

  it('answer Node-RED 4 with a message (given opt) and Node-RED 2 with false', () => {
    const jid = rules.validators.jid({ account: true });
    assert.equal(jid.call({}, 'not a jid', {}), 'validate.jid.domain-char');
    assert.equal(jid.call({}, 'example.org', {}), 'validate.jid.need-local');
    assert.equal(jid.call({}, '', {}), 'validate.jid.empty');
    assert.equal(jid.call({}, 'bot@example.org', {}), true);
    assert.equal(jid.call({}, 'not a jid'), false);
    assert.equal(rules.validators.jid({ allowEmpty: true }).call({}, '', {}), true);
  });

  it('check ports, numbers, pins, CAs, WebSocket URLs, hosts and disco items as the runtime reads them', () => {
    const port = rules.validators.whole(1, 65535, 'port');
    assert.equal(port.call({}, '70000', {}), 'validate.port');
    assert.equal(port.call({}, '0', {}), 'validate.port');
    assert.equal(port.call({}, '5222x', {}), 'validate.port');
    assert.equal(port.call({}, '5222', {}), true);
    assert.equal(port.call({}, '', {}), true);
    assert.equal(rules.validators.whole(-128, 127, 'priority').call({}, '-129', {}), 'validate.priority');

    const pinned = { trust: 'pin' };
    const fingerprint = 'AB:'.repeat(31) + 'AB';
    assert.equal(rules.validators.pin.call(pinned, fingerprint, {}), true);
    assert.equal(rules.validators.pin.call(pinned, fingerprint.toLowerCase().replace(/:/g, ''), {}), true);
    assert.equal(rules.validators.pin.call(pinned, 'AB:CD', {}), 'validate.pin');
    // openssl's whole line: the runtime would read hex digits out of "SHA256 Fingerprint=" too.
    assert.equal(rules.validators.pin.call(pinned, `SHA256 Fingerprint=${fingerprint}`, {}), 'validate.pin');
    assert.equal(rules.validators.pin.call({ trust: 'system' }, 'AB:CD', {}), true, 'no pin needed without pinning');

    assert.equal(rules.validators.ca.call({ trust: 'ca' }, '', {}), 'validate.ca');
    assert.equal(rules.validators.ca.call({ trust: 'ca' }, '-----BEGIN CERTIFICATE-----\nMIIB\n', {}), 'validate.ca');
    assert.equal(rules.validators.ca.call({ trust: 'ca' }, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----', {}), true);
    assert.equal(rules.validators.ca.call({ trust: 'ca' }, '/etc/ssl/certs/my-ca.pem', {}), true);

    const websocket = { transport: 'websocket', security: 'starttls' };
    assert.equal(rules.validators.wsUrl.call(websocket, 'https://example.org/ws', {}), 'validate.wsUrl');
    assert.equal(rules.validators.wsUrl.call(websocket, 'ws://example.org/ws', {}), 'validate.wsUrl-plain');
    assert.equal(rules.validators.wsUrl.call({ ...websocket, security: 'none' }, 'ws://example.org/ws', {}), true);
    assert.equal(rules.validators.wsUrl.call(websocket, 'wss://example.org/xmpp-websocket', {}), true);

    assert.equal(rules.validators.host.call({}, 'xmpp.example.org', {}), true);
    assert.equal(rules.validators.host.call({}, '::1', {}), true);
    assert.equal(rules.validators.host.call({}, 'example.org:5222', {}), 'validate.host');
    assert.equal(rules.validators.host.call({}, 'xmpp://example.org', {}), 'validate.host');

    assert.equal(rules.validators.discoItems.call({}, 'pubsub.example.org | News\nnot a jid | x', {}), 'validate.discoItems');
    assert.equal(rules.validators.discoItems.call({}, 'pubsub.example.org | News\n\n', {}), true);
  });

  it('check lists entry by entry: senders with *@domain, callers bare or domains only', () => {
    const senders = rules.validators.jidList({ split: /[,\n]/, wildcards: true });
    assert.equal(senders.call({}, 'alice@example.org, *@example.com\nexample.net', {}), true);
    assert.equal(senders.call({}, 'alice@example.org, not a jid', {}), 'validate.jid.entry');
    assert.equal(senders.call({}, '*@alice@example.com', {}), 'validate.jid.domain-only');
    const callers = rules.validators.jidList({ bareOrDomain: true });
    assert.equal(callers.call({}, 'alice@example.org example.com', {}), true);
    assert.equal(callers.call({}, 'alice@example.org/phone', {}), 'validate.jid.domain-only');
  });
});

describe('the Test connection rate window', () => {
  it('lets each key use it `limit` times in a window, says how long to wait, and frees the slots as they age', () => {
    let now = 0;
    const window = new RateWindow(3, 60_000, () => now);
    for (let i = 0; i < 3; i++) assert.equal(window.take('ann').allowed, true);
    now = 10_000;
    assert.deepEqual(window.take('ann'), { allowed: false, retryAfterMs: 50_000 });
    assert.equal(window.take('bob').allowed, true, 'another key has its own window');
    now = 60_000;
    assert.equal(window.take('ann').allowed, true, 'the first uses have aged out');
    assert.equal(window.take('ann').allowed, true);
    assert.equal(window.take('ann').allowed, true);
    assert.equal(window.take('ann').allowed, false);
  });
});
