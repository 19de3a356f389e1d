// Examples 6 (RPC over XMPP) and 7 (disco browser), each deployed from its file into a real
// Node-RED process with the packed package, the account pointed at a real Prosody, and driven
// through the flows' own HTTP endpoints. The bot's account has a fixed resource so its full JID
// is known: the RPC gateway calls the bot's own served methods through the XMPP server.
import assert from 'node:assert/strict';
import { buildCall } from '../../nodes/core/rpc/rpc-stanza';
import { NS_RPC } from '../../nodes/core/namespaces';
import type { XmlElement } from '../../nodes/core/xmpp-lib';
import { deployExample, getJson, knownTypes, loadExample, withNode, type Deployed } from '../rig/examples';
import { NodeRedProcess, type EchoBotAccount, type FlowNode, printLogsIfFailed } from '../rig/node-red-process';
import { eventually, Peer, waitFor } from '../rig/peer';
import { Prosody } from '../rig/prosody';
import { TcpProxy } from '../rig/tcp-proxy';

const RPC_FILE = '06 - RPC over XMPP.json';
const DISCO_FILE = '07 - Disco browser.json';
/** The nodes whose timeout the test shortens (10 s in the files): the gateway's call and the disco query. */
const RPC_CALL_NODE = 'xf060008';
const DISCO_QUERY_NODE = 'xf070005';
/** Example 6's serve node: its Callers get the test's bot, as the user puts their own JIDs there. */
const RPC_SERVE_NODE = 'xf060003';

describe('examples 6 (RPC over XMPP) and 7 (disco browser) in a real Node-RED', function () {
  this.timeout(30_000);

  let prosody: Prosody;
  let red: NodeRedProcess;
  let account: EchoBotAccount;
  /** A client whose line went silent: its server still routes IQs to it, and nothing ever answers. */
  let mute: Peer;
  let muteLine: TcpProxy;
  /** An XMPP user the example does not list as a caller. */
  let stranger: Peer;
  let deployed: Deployed | undefined;
  const botFull = 'bot@localhost/rpc';
  const muteFull = 'mute@localhost/frozen';

  const rpc = (to: string, method: string, params?: string) =>
    getJson(red, `/xmpp/rpc?to=${encodeURIComponent(to)}&method=${encodeURIComponent(method)}${params === undefined ? '' : `&params=${encodeURIComponent(params)}`}`);
  const disco = (query: string) => getJson(red, `/xmpp/disco?${query}`);

  before(async function () {
    this.timeout(90_000);
    prosody = await Prosody.start({ iterations: 100 });
    await prosody.register('bot', 'bot-secret');
    await prosody.register('mute', 'mute-secret');
    await prosody.register('stranger', 'stranger-secret');
    account = { jid: botFull, password: 'bot-secret', host: '127.0.0.1', port: prosody.port, security: 'none' };
    red = await NodeRedProcess.start();
    muteLine = await TcpProxy.start(prosody.port);
    mute = await Peer.connect({ port: muteLine.port, jid: 'mute@localhost', password: 'mute-secret', resource: 'frozen' });
    muteLine.freeze();
    stranger = await Peer.connect({ port: prosody.port, jid: 'stranger@localhost', password: 'stranger-secret', resource: 'x' });
  });

  afterEach(function () {
    printLogsIfFailed(this.currentTest, red, prosody);
  });

  afterEach(function () {
    if (!deployed) return;
    assert.deepEqual(deployed.trouble(), [], 'no missing types or errors in the log');
  });

  after(async function () {
    this.timeout(30_000);
    muteLine?.cut();
    await mute?.stop();
    await stranger?.stop();
    await muteLine?.stop();
    await red?.stop();
    await prosody?.stop();
  });

  /**
   * Deploys an example with a 2 s timeout on `timeoutNode` (and what `adjust` changes), checks it
   * loaded whole, and waits for the bot online.
   */
  async function deploy(file: string, timeoutNode: string, adjust: (flow: FlowNode[]) => FlowNode[] = (flow) => flow): Promise<void> {
    deployed = await deployExample(red, file, account, (flow) => adjust(withNode(flow, timeoutNode, { timeout: 2 })));
    const { flows } = await red.getFlows();
    assert.deepEqual(flows.map((n) => n.id).sort(), deployed.flow.map((n) => n.id).sort(), 'every node of the example is deployed');
    const known = await knownTypes(red);
    for (const node of deployed.flow) assert.ok(node.type === 'tab' || known.has(node.type), `Node-RED knows the type ${node.type}`);
    await eventually(() => prosody.sessionJids('bot@localhost'), (jids) => jids.length === 1 && jids[0] === botFull, 10_000, 'the bot online as bot@localhost/rpc');
  }

  describe('6. RPC over XMPP (GET /xmpp/rpc)', function () {
    before(async function () {
      // The file lists you@example.org and bot@example.org: the test's bot is bot@localhost.
      await deploy(RPC_FILE, RPC_CALL_NODE, (flow) => withNode(flow, RPC_SERVE_NODE, { callers: 'bot@localhost' }));
    });

    it('calls the bot\'s own Rot13 through the server: 200 {"result": …}', async function () {
      // The deploy can return a moment before the bot's session is fully usable: the first answer may be 503.
      const answer = await eventually(
        () => rpc(botFull, 'Rot13', JSON.stringify(['There was a young lady of Nantes'])),
        (a) => a.status !== 503,
        10_000,
        'the gateway answering',
      );
      assert.equal(answer.status, 200, JSON.stringify(answer.json));
      assert.deepEqual(answer.json, { result: 'Gurer jnf n lbhat ynql bs Anagrf' });
    });

    it('echo answers its params as a list; no params is an empty list', async function () {
      const answer = await rpc(botFull, 'echo', JSON.stringify(['hi', 42, true, { a: [1.5] }]));
      assert.equal(answer.status, 200, JSON.stringify(answer.json));
      assert.deepEqual(answer.json, { result: ['hi', 42, true, { a: [1.5] }] });
      assert.deepEqual((await rpc(botFull, 'echo')).json, { result: [] });
    });

    it('answers 502 with the fault for a method the bot does not serve (-32601) or wrong params (-32602)', async function () {
      const unknown = await rpc(botFull, 'eval', JSON.stringify(['process.exit(1)']));
      assert.equal(unknown.status, 502, JSON.stringify(unknown.json));
      const fault = (unknown.json as { fault: { code: number; string: string } }).fault;
      assert.equal(fault.code, -32601);
      assert.equal(typeof fault.string, 'string');
      const wrong = await rpc(botFull, 'Rot13', JSON.stringify([1, 2]));
      assert.equal(wrong.status, 502);
      assert.deepEqual(wrong.json, { fault: { code: -32602, string: 'Rot13 takes one string' } });
    });

    it('answers 400 for params that are not JSON or not an array, a missing to or method, and a bare JID', async function () {
      for (const [what, answer] of [
        ['not JSON', await rpc(botFull, 'Rot13', '[oops')],
        ['not an array', await rpc(botFull, 'Rot13', '"text"')],
        ['no to', await getJson(red, '/xmpp/rpc?method=Rot13')],
        ['no method', await getJson(red, `/xmpp/rpc?to=${encodeURIComponent(botFull)}`)],
        ['a bare JID (the node refuses it)', await rpc('bot@localhost', 'Rot13', '["x"]')],
      ] as const) {
        assert.equal(answer.status, 400, `${what}: ${JSON.stringify(answer.json)}`);
        assert.ok((answer.json as { error?: string }).error, `${what}: an error text`);
      }
      assert.equal(((await rpc('bot@localhost', 'Rot13', '["x"]')).json as { error: string }).error, 'bare-jid');
    });

    it('lists its callers: the file names them, and a caller it does not list gets forbidden for every method', async function () {
      const serve = loadExample(RPC_FILE).find((node) => node.id === RPC_SERVE_NODE);
      assert.equal(serve?.access, 'listed', 'callers are listed, not "anyone"');
      assert.ok(String(serve?.callers ?? '').trim() !== '', 'the list is not empty');
      assert.ok(loadExample(RPC_FILE).some((node) => node.type === 'comment' && /your own JID/.test(String(node.name))), 'a comment says to put your own JID there');
      const ask = async (method: string): Promise<XmlElement> => {
        const id = `stranger-${method}`;
        const answer = waitFor(stranger, 'iq', (iq: XmlElement) => (iq.attrs.id === id ? iq : undefined), 10_000, `the answer to ${method}`);
        await stranger.sendRaw(stranger.xml('iq', { type: 'set', to: botFull, id }, buildCall(stranger.xml, { method, params: ['x'] })));
        return answer;
      };
      for (const method of ['Rot13', 'eval']) {
        const answer = await ask(method);
        assert.equal(answer.attrs.type, 'error', answer.toString());
        assert.equal(answer.getChild('error')?.getChildElements()[0]?.name, 'forbidden', answer.toString());
        assert.equal(answer.getChild('query', NS_RPC)?.getChild('methodResponse'), undefined, 'no method answer');
      }
    });

    it('answers 504 when the full JID called never answers', async function () {
      const started = Date.now();
      const answer = await rpc(muteFull, 'Rot13', '["x"]');
      assert.equal(answer.status, 504, JSON.stringify(answer.json));
      assert.equal((answer.json as { error: string }).error, 'timeout');
      assert.ok(Date.now() - started >= 1900, 'after the (test\'s) 2 s timeout');
    });

    it('answers 502 with the IQ error when nobody is there to serve the method', async function () {
      const answer = await rpc('mute@localhost/nobody', 'Rot13', '["x"]');
      assert.equal(answer.status, 502, JSON.stringify(answer.json));
      assert.equal((answer.json as { error: string }).error, 'service-unavailable');
    });
  });

  describe('7. disco browser (GET /xmpp/disco)', function () {
    before(async function () {
      await deploy(DISCO_FILE, DISCO_QUERY_NODE);
    });

    it('describes the server: identities with server/im, features with urn:xmpp:ping', async function () {
      const answer = await eventually(() => disco('jid=localhost'), (a) => a.status !== 503, 10_000, 'the browser answering');
      assert.equal(answer.status, 200, JSON.stringify(answer.json));
      const info = answer.json as { identities: Array<{ category: string; type: string }>; features: string[] };
      assert.ok(info.identities.some((i) => i.category === 'server' && i.type === 'im'), JSON.stringify(info.identities));
      assert.ok(info.features.includes('urn:xmpp:ping'), JSON.stringify(info.features));
      assert.ok(info.features.includes('http://jabber.org/protocol/disco#info'));
    });

    it('lists the items (what=items) and the software version (what=version) of the server', async function () {
      const items = await disco('jid=localhost&what=items');
      assert.equal(items.status, 200, JSON.stringify(items.json));
      assert.ok(Array.isArray((items.json as { items: unknown }).items), JSON.stringify(items.json));
      const version = await disco('jid=localhost&what=version');
      assert.equal(version.status, 200, JSON.stringify(version.json));
      assert.equal((version.json as { name: string }).name, 'Prosody');
      assert.match(String((version.json as { version: string }).version), /^\d+\.\d+/);
    });

    it('asks a full JID about itself and a disco node (the bot answers its own)', async function () {
      const answer = await disco(`jid=${encodeURIComponent(botFull)}`);
      assert.equal(answer.status, 200, JSON.stringify(answer.json));
      const info = answer.json as { identities: Array<{ category: string; type: string }> };
      assert.ok(info.identities.some((i) => i.category === 'client' && i.type === 'bot'), JSON.stringify(info.identities));
    });

    it('answers 404 for a disco node that does not exist (item-not-found)', async function () {
      const answer = await disco(`jid=${encodeURIComponent(botFull)}&node=nope`);
      assert.equal(answer.status, 404, JSON.stringify(answer.json));
      assert.equal((answer.json as { error: string }).error, 'item-not-found');
    });

    it('answers 400 for a missing or invalid jid and an unknown "what"', async function () {
      for (const [what, answer] of [
        ['no jid', await disco('what=info')],
        ['not a JID', await disco(`jid=${encodeURIComponent('not a jid')}`)],
        ['an empty local part', await disco(`jid=${encodeURIComponent('@localhost')}`)],
        ['what=everything', await disco('jid=localhost&what=everything')],
      ] as const) {
        assert.equal(answer.status, 400, `${what}: ${JSON.stringify(answer.json)}`);
        assert.ok((answer.json as { error?: string }).error, `${what}: an error text`);
      }
      // The flow's own check says which values "what" takes (the node alone would only say invalid-query).
      assert.match(String(((await disco('jid=localhost&what=everything')).json as { error: string }).error), /"what" must be info, items or version/);
    });

    it('answers 504 when the entity asked never answers', async function () {
      const answer = await disco(`jid=${encodeURIComponent(muteFull)}`);
      assert.equal(answer.status, 504, JSON.stringify(answer.json));
      assert.equal((answer.json as { error: string }).error, 'timeout');
    });
  });
});
