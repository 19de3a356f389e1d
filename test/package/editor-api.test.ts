// The connection dialog's two admin endpoints in a real Node-RED process with adminAuth on,
// against real Prosody servers: Test connection (a trial login with settings that are not
// deployed) and the deployed connection's contacts for JID suggestions.
import type { CheckAnswer } from '../../nodes/lib/connection-check';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { eventually, Peer } from '../rig/peer';
import { Prosody } from '../rig/prosody';
import { NodeRedProcess, printLogsIfFailed, type FlowNode } from '../rig/node-red-process';

// bcryptjs comes with Node-RED: the hashes adminAuth wants.
const bcrypt = require('bcryptjs') as { hashSync(text: string, rounds: number): string };


interface ContactsAnswer {
  jid: string;
  online: boolean;
  contacts: Array<{ jid: string; name?: string; subscription: string; presence: string }>;
}

describe('the connection dialog\'s admin endpoints in a real Node-RED', function () {
  this.timeout(60_000);
  let prosody: Prosody;
  let strict: Prosody;
  let red: NodeRedProcess;
  let friend: Peer | undefined;
  // Distinctive: any occurrence in an answer or the log is a leak, not a coincidence.
  const botPassword = `bot-pw-${randomBytes(9).toString('hex')}`;
  const wrongPassword = `wrong-pw-${randomBytes(9).toString('hex')}`;
  const friendPassword = `friend-pw-${randomBytes(9).toString('hex')}`;
  const tokens: Record<string, string> = {};
  const answers: string[] = [];

  before(async function () {
    this.timeout(120_000);
    // TLS with a self-signed certificate; STARTTLS offered but not required (the roster peer skips it).
    prosody = await Prosody.start({ tls: true, iterations: 100 });
    // One that refuses to go on without encryption.
    strict = await Prosody.start({ tls: true, requireEncryption: true, iterations: 100 });
    await prosody.register('bot', botPassword);
    await prosody.register('friend', friendPassword);
    await strict.register('bot', botPassword);

    // The bot and a friend in each other's roster before Node-RED starts.
    friend = await Peer.connect({ port: prosody.port, jid: 'friend@localhost', password: friendPassword, resource: 'phone', ignoreStarttls: true });
    const botSide = await Peer.connect({ port: prosody.port, jid: 'bot@localhost', password: botPassword, resource: 'setup', ignoreStarttls: true });
    await friend.befriend(botSide);
    await botSide.stop();

    const users = ['admin', 'other'].map((username) => ({ username, password: bcrypt.hashSync(`${username}-login`, 4), permissions: '*' }));
    users.push({ username: 'viewer', password: bcrypt.hashSync('viewer-login', 4), permissions: 'read' });
    red = await NodeRedProcess.start({ logLevel: 'trace', adminAuth: { type: 'credentials', users } });
    for (const name of ['admin', 'other', 'viewer']) tokens[name] = await red.login(name, `${name}-login`, name === 'viewer' ? 'read' : '*');
    red.token = tokens.admin;
    const flow: FlowNode[] = [
      { id: 'api-tab', type: 'tab', label: 'Endpoints' },
      { id: 'api-cfg', type: 'xmpp-config', name: 'api bot', jid: 'bot@localhost/api', host: '127.0.0.1', port: String(prosody.port), security: 'none', credentials: { password: botPassword } },
      { id: 'api-out', type: 'xmpp-out', z: 'api-tab', server: 'api-cfg', to: '', msgType: 'chat', x: 200, y: 100, wires: [] },
    ];
    await red.deploy(flow);
    await eventually(() => prosody.sessionCount('bot@localhost'), (n) => n === 1, 15_000, 'the deployed bot online');
  });

  afterEach(function () {
    printLogsIfFailed(this.currentTest, red, prosody);
  });

  after(async function () {
    this.timeout(30_000);
    await friend?.stop();
    await red?.stop();
    await prosody?.stop();
    await strict?.stop();
  });

  async function check(fields: Record<string, string>, as = 'admin'): Promise<{ status: number; answer: CheckAnswer }> {
    const response = await red.fetch('/xmpp-config/check', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${tokens[as]}` },
      body: JSON.stringify({ id: 'new-cfg', jid: 'bot@localhost', host: '127.0.0.1', port: String(prosody.port), security: 'starttls', transport: 'tcp', trust: 'pin', pin: prosody.fingerprint256, ...fields }),
    });
    const text = await response.text();
    answers.push(text);
    // Node-RED's own refusals (401) are plain text.
    const json = response.headers.get('content-type')?.includes('json') ?? false;
    return { status: response.status, answer: json ? (JSON.parse(text) as CheckAnswer) : { ok: false, code: '', text } };
  }

  it('logs in with the dialog\'s settings and says as whom, with which mechanism, over which TLS version', async () => {
    const { status, answer } = await check({ password: botPassword });
    assert.equal(status, 200);
    assert.equal(answer.ok, true, answer.text);
    assert.equal(answer.code, 'connected');
    assert.match(answer.jid ?? '', /^bot@localhost\/node-red-[0-9a-f]{8}$/, 'a resource of its own, so a running connection is not pushed off');
    assert.match(answer.mechanism ?? '', /^SCRAM-SHA-(1|256|512)(-PLUS)?$/);
    assert.match(answer.tls ?? '', /^TLSv1\.[23]$/);
    assert.equal(answer.text, `Connected as ${answer.jid} with ${answer.mechanism} over ${answer.tls}`);
    // It logged out again: only the deployed connection is left.
    await eventually(() => prosody.sessionCount('bot@localhost'), (n) => n === 1, 10_000, 'the trial session gone');
  });

  it('a wrong password: not authorized', async () => {
    const { answer } = await check({ password: wrongPassword });
    assert.equal(answer.ok, false);
    assert.equal(answer.code, 'not-authorized');
    assert.match(answer.text, /^Not connected: not authorized/);
  });

  it('a self-signed certificate with the system\'s trust: not trusted, with the certificate\'s fingerprint to pin', async () => {
    const { answer } = await check({ password: botPassword, trust: 'system', pin: '' });
    assert.equal(answer.code, 'tls-untrusted');
    assert.equal(answer.fingerprint, prosody.fingerprint256);
    assert.ok(answer.text.includes(prosody.fingerprint256), answer.text);
    assert.match(answer.text, /^Not connected: certificate not trusted/);
  });

  it('an unknown host: host not found', async () => {
    const { answer } = await check({ password: botPassword, host: 'no-such-host.invalid' });
    assert.equal(answer.code, 'host-not-found');
    assert.match(answer.text, /host not found/);
  });

  it('Security none against a server that requires encryption: TLS required', async () => {
    const { answer } = await check({ password: botPassword, port: String(strict.port), security: 'none', trust: 'system', pin: '' }, 'other');
    assert.equal(answer.code, 'tls-required');
    assert.match(answer.text, /^Not connected: server requires encryption/);
  });

  it('the password placeholder stands for the deployed connection\'s stored password', async () => {
    const { answer } = await check({ id: 'api-cfg', password: '__PWRD__', security: 'none', trust: 'system', pin: '' }, 'other');
    assert.equal(answer.ok, true, answer.text);
    assert.equal(answer.tls, undefined);
    assert.match(answer.text, /over no encryption$/);
    // Not towards another server (or account, or weaker trust) than the deployed connection's.
    const elsewhere = await check({ id: 'api-cfg', password: '__PWRD__', host: 'localhost', security: 'none', trust: 'system', pin: '' }, 'other');
    assert.equal(elsewhere.answer.code, 'password-needed');
    assert.match(elsewhere.answer.text, /^Enter the password to test/);
    // A connection that was never deployed has no stored password: it has to be typed.
    const unknown = await check({ id: 'never-deployed', password: '__PWRD__' }, 'other');
    assert.equal(unknown.answer.code, 'password-needed');
  });

  it('at most five tests a minute for each user; the sixth is refused with 429 and a message', async () => {
    // 'other' has used four; invalid settings are answered without a login but still count.
    const bad = { password: 'x', jid: 'not a jid' };
    assert.equal((await check(bad, 'other')).status, 200);
    const refused = await check(bad, 'other');
    assert.equal(refused.status, 429);
    assert.equal(refused.answer.code, 'rate-limited');
    assert.match(refused.answer.text, /^Too many tests: at most 5 a minute\. Try again in \d+ s\.$/);
    // Someone else is not held up by it ('admin' has used four).
    const admin = await check(bad, 'admin');
    assert.equal(admin.status, 200);
    assert.equal(admin.answer.code, 'invalid-jid');
  });

  it('needs the write permission to test, and a login at all', async () => {
    const viewer = await check({ password: botPassword }, 'viewer');
    assert.equal(viewer.status, 401);
    const anonymous = await red.fetch('/xmpp-config/check', { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: 'Bearer nobody' }, body: '{}' });
    assert.equal(anonymous.status, 401);
    const contacts = await red.fetch('/xmpp-config/api-cfg/contacts', { headers: { Authorization: 'Bearer nobody' } });
    assert.equal(contacts.status, 401);
  });

  it('lists the deployed connection\'s contacts with their presence, to a user who may read', async () => {
    await friend?.sendRaw(friend.xml('presence', {}, friend.xml('show', {}, 'away')));
    const listed = await eventually(
      async () => {
        const response = await red.fetch('/xmpp-config/api-cfg/contacts', { headers: { Authorization: `Bearer ${tokens.viewer}` } });
        assert.equal(response.status, 200);
        return (await response.json()) as ContactsAnswer;
      },
      (answer) => answer.contacts.some((c) => c.jid === 'friend@localhost' && c.presence === 'away'),
      10_000,
      'the friend listed as away',
    );
    assert.equal(listed.online, true);
    assert.equal(listed.contacts.find((c) => c.jid === 'friend@localhost')?.subscription, 'both');
    await friend?.sendRaw(friend.xml('presence', { type: 'unavailable' }));
    await eventually(
      async () => ((await (await red.fetch('/xmpp-config/api-cfg/contacts')).json()) as ContactsAnswer).contacts.find((c) => c.jid === 'friend@localhost')?.presence,
      (presence) => presence === 'offline',
      10_000,
      'the friend offline',
    );
    const missing = await red.fetch('/xmpp-config/no-such-node/contacts');
    assert.equal(missing.status, 404);
  });

  it('never puts a password in an answer or in Node-RED\'s log', () => {
    assert.ok(answers.length >= 10, 'the answers of the tests above were kept');
    for (const secret of [botPassword, wrongPassword, friendPassword]) {
      for (const answer of answers) assert.ok(!answer.includes(secret), `a password in ${answer}`);
      assert.ok(!red.log().includes(secret), 'a password in the log');
    }
    assert.match(red.log(), /xmpp-config/, 'the log is the one of this Node-RED');
  });
});
