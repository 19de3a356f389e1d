// Ad-hoc commands (XEP-0050) with data forms (XEP-0004) served by a flow, with slixmpp's own
// xep_0050 and xep_0004 plugins as the callers: a single stage, two stages (a list, then a yes/no),
// cancel, expiry, a forbidden caller, submissions that do not fit, a silent flow, 50 sessions at
// once; and call mode against Prosody's own admin commands.
import { strict as assert } from 'node:assert';
import type { NodeMessage } from 'node-red';
import { eventually } from '../rig/peer';
import { Prosody } from '../rig/prosody';
import type { XmppConnection } from '../../nodes/lib/connection';
import { configNode, functionNode, getNode, helper, lastStatus, nodes, startServer, stopServer, type FlowNode } from '../rig/red';
import { SlixAdhoc, type SlixAnswer } from '../rig/slix-adhoc';

const BOT = 'adhocbot@localhost/home';
const PASSWORD = 'caller-pw';
const CALLERS = ['c1', 'c2', 'c3', 'c4', 'c5'].map((name) => `${name}@localhost`);
const EVE = 'eve@localhost';

/** The flow's commands: a plain switch on the command and the stage; values are data. */
const COMMANDS = `
const c = msg.command;
const v = msg.payload;
if (c.node === 'hello' || c.node === 'hello-contacts') {
  msg.payload = 'Hello ' + msg.from.split('/')[0];
} else if (c.node === 'build' || c.node === 'expiring') {
  if (c.stage === 1) msg.form = { title: 'Build', instructions: 'Pick a target.', fields: [{ var: 'target', type: 'list-single', label: 'Target', required: true, options: ['web', { value: 'api', label: 'API' }] }] };
  else if (c.stage === 2) msg.form = { title: 'Sure?', fields: [{ type: 'fixed', value: 'Building ' + v.target }, { var: 'sure', type: 'boolean', label: 'Sure', required: true, value: false }], last: true };
  else { msg.payload = 'sure: ' + JSON.stringify(v.sure); msg.note = v.sure ? 'info' : 'warn'; }
} else if (c.node === 'numbers') {
  if (c.stage === 1) msg.form = { fields: [{ var: 'threshold', label: 'Threshold', numeric: 'decimal', required: true }, { var: 'count', numeric: 'integer' }] };
  else msg.payload = JSON.stringify(v);
} else if (c.node === 'echo') {
  if (c.stage === 1) msg.form = { fields: [{ var: 'n', numeric: 'integer', required: true }] };
  else msg.payload = msg.from.split('/')[0] + ' ' + v.n + ' ' + typeof v.n;
}
return msg;`;

describe('xmpp-command', function () {
  this.timeout(60_000);
  let prosody: Prosody;
  let slix: SlixAdhoc;
  /** What came out of the serve nodes. */
  const served: (NodeMessage & { command: { node: string; stage: number; action: string; sessionid: string }; from: string })[] = [];

  const serve = (id: string, command: string, extra: Record<string, unknown> = {}): FlowNode => ({
    id,
    type: 'xmpp-command',
    z: 'f1',
    server: 'cfg',
    mode: 'serve',
    command,
    label: `The ${command} command`,
    access: 'listed',
    callers: CALLERS.join(', '),
    timeout: '10',
    sessionTtl: '10',
    wires: [['commands', 'served']],
    ...extra,
  });

  function flow(): FlowNode[] {
    return [
      { id: 'f1', type: 'tab', label: 'adhoc' },
      configNode('cfg', BOT, prosody.port),
      configNode('cfgAdmin', 'admin@localhost/flows', prosody.port),
      serve('srv-hello', 'hello'),
      serve('srv-build', 'build'),
      // 0.02 minutes: a session that expires 1.2 s after its last step.
      serve('srv-expiring', 'expiring', { sessionTtl: '0.02' }),
      serve('srv-numbers', 'numbers'),
      serve('srv-echo', 'echo', { access: 'anyone' }),
      serve('srv-silent', 'silent', { access: 'anyone', timeout: '1', wires: [['served']] }),
      serve('srv-contacts', 'hello-contacts', { access: 'roster', callers: '' }),
      { id: 'commands', type: 'function', z: 'f1', func: COMMANDS, outputs: 1, wires: [['replier']] },
      { id: 'replier', type: 'xmpp-command', z: 'f1', server: 'cfg', mode: 'reply', wires: [] },
      { id: 'served', type: 'helper', z: 'f1' },
      { id: 'admin', type: 'xmpp-command', z: 'f1', server: 'cfgAdmin', mode: 'call', to: 'localhost', command: '', timeout: '10', wires: [['results']] },
      { id: 'notAdmin', type: 'xmpp-command', z: 'f1', server: 'cfg', mode: 'call', to: 'localhost', command: '', timeout: '10', wires: [['results']] },
      { id: 'results', type: 'helper', z: 'f1' },
      { id: 'catcher', type: 'catch', z: 'f1', scope: null, uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper', z: 'f1' },
    ];
  }

  before(async function () {
    this.timeout(90_000);
    await startServer();
    prosody = await Prosody.start({ iterations: 100, adhoc: true });
    await prosody.register('adhocbot', 'bot-pw');
    await prosody.register('admin', 'admin-pw');
    for (const jid of [...CALLERS, EVE]) await prosody.register(jid.split('@')[0] as string, PASSWORD);
    await helper.load([...nodes, functionNode], flow(), { cfg: { password: 'bot-pw' }, cfgAdmin: { password: 'admin-pw' } });
    helper.getNode('served')?.on('input', (msg: NodeMessage) => served.push(msg as (typeof served)[number]));
    await eventually(() => [lastStatus('srv-hello'), lastStatus('admin')], (s) => s.every((status) => status?.fill === 'green'), 15_000, 'both connections online');
    slix = await SlixAdhoc.start(prosody.port, PASSWORD, [...CALLERS, EVE]);
  });

  after(async () => {
    await slix?.stop();
    await helper.unload();
    await prosody?.stop();
    await stopServer();
  });

  const EVE_INDEX = CALLERS.length;

  function answer(outcome: SlixAnswer): Extract<SlixAnswer, { event: 'answer' }> {
    assert.equal(outcome.event, 'answer', JSON.stringify(outcome));
    return outcome as Extract<SlixAnswer, { event: 'answer' }>;
  }

  it('runs a single-stage command: the note comes back completed', async () => {
    const done = answer(await slix.run(0, BOT, { node: 'hello' }));
    assert.equal(done.status, 'completed');
    assert.deepEqual(done.notes, [['info', 'Hello c1@localhost']]);
    const msg = served.find((m) => m.command.node === 'hello');
    assert.deepEqual(msg?.command && { node: msg.command.node, stage: msg.command.stage, action: msg.command.action }, { node: 'hello', stage: 1, action: 'execute' });
    assert.equal(msg?.from, slix.jids[0]);
  });

  it('lists only what the caller may run; a forbidden caller is refused and never reaches the flow', async () => {
    const mine = await slix.list(0, BOT);
    assert.equal(mine.event, 'items');
    const nodesOf = (items: [string, string, string][]): string[] => items.map((item) => item[1]).sort();
    assert.deepEqual(mine.event === 'items' && nodesOf(mine.items), ['build', 'echo', 'expiring', 'hello', 'numbers', 'silent']);
    assert.ok(mine.event === 'items' && !mine.items.some(([, node]) => node === 'hello-contacts'), 'not a contact yet');
    assert.ok(mine.event === 'items' && mine.items.some(([jid, node, name]) => jid === BOT && node === 'build' && name === 'The build command'));
    const eves = await slix.list(EVE_INDEX, BOT);
    assert.deepEqual(eves.event === 'items' && nodesOf(eves.items), ['echo', 'silent']);
    const before = served.length;
    const refused = await slix.run(EVE_INDEX, BOT, { node: 'build' });
    assert.deepEqual(refused.event === 'error' && [refused.condition], ['forbidden']);
    assert.equal(served.length, before, 'the flow never saw it');
  });

  it('a command for roster contacts is seen and run by a contact only', async () => {
    const bot = (helper.getNode('cfg') as unknown as XmppConnection).client;
    await bot?.contacts.addToRoster(CALLERS[4] as string);
    await eventually(() => bot?.contacts.rosterItem(CALLERS[4] as string), (item) => Boolean(item), 10_000, 'the contact in the roster');
    const contact = await slix.list(4, BOT);
    assert.ok(contact.event === 'items' && contact.items.some(([, node]) => node === 'hello-contacts'), JSON.stringify(contact));
    const done = answer(await slix.run(4, BOT, { node: 'hello-contacts' }));
    assert.deepEqual(done.notes, [['info', 'Hello c5@localhost']]);
    const other = await slix.run(3, BOT, { node: 'hello-contacts' });
    assert.deepEqual(other.event === 'error' && other.condition, 'forbidden');
  });

  it('runs two stages, a list-single then a boolean, with typed values in the flow', async () => {
    const first = answer(await slix.run(1, BOT, { node: 'build' }));
    assert.equal(first.status, 'executing');
    assert.equal(first.form?.title, 'Build');
    assert.deepEqual(first.form?.fields.map((f) => [f.var, f.type, f.required, f.options]), [['target', 'list-single', true, ['web', 'api']]]);
    const second = answer(await slix.run(1, BOT, { node: 'build', sessionid: first.sessionid, action: 'next', values: { target: 'api' } }));
    assert.deepEqual(second.form?.fields.map((f) => [f.var, f.type, f.values]), [['', 'fixed', ['Building api']], ['sure', 'boolean', ['0']]]);
    assert.ok(second.actions.includes('complete') && second.actions.includes('prev'), JSON.stringify(second.actions));
    const done = answer(await slix.run(1, BOT, { node: 'build', sessionid: first.sessionid, action: 'complete', values: { sure: '1' } }));
    assert.equal(done.status, 'completed');
    assert.deepEqual(done.notes, [['info', 'sure: true']]);
    const steps = served.filter((m) => m.command.sessionid === first.sessionid);
    assert.deepEqual(
      steps.map((m) => [m.command.stage, m.command.action, m.payload]),
      [
        [1, 'execute', {}],
        [2, 'next', { target: 'api' }],
        [3, 'complete', { sure: true }],
      ],
    );
  });

  it('cancel in the middle ends the session', async () => {
    const first = answer(await slix.run(2, BOT, { node: 'build' }));
    answer(await slix.run(2, BOT, { node: 'build', sessionid: first.sessionid, action: 'next', values: { target: 'web' } }));
    const canceled = answer(await slix.run(2, BOT, { node: 'build', sessionid: first.sessionid, action: 'cancel' }));
    assert.equal(canceled.status, 'canceled');
    const after = await slix.run(2, BOT, { node: 'build', sessionid: first.sessionid, action: 'complete', values: { sure: '1' } });
    assert.deepEqual(after.event === 'error' && [after.condition, after.specific], ['bad-request', 'bad-sessionid']);
  });

  it('an expired session is answered session-expired', async () => {
    const first = answer(await slix.run(3, BOT, { node: 'expiring' }));
    // The node's session lasts 1.2 s after the last step: only time passing can expire it.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const late = await slix.run(3, BOT, { node: 'expiring', sessionid: first.sessionid, action: 'next', values: { target: 'web' } });
    assert.deepEqual(late.event === 'error' && [late.condition, late.specific], ['not-allowed', 'session-expired']);
  });

  it('a submission of the wrong type or without a required field gets an error note, and the command goes on', async () => {
    const first = answer(await slix.run(4, BOT, { node: 'numbers' }));
    const wrong = answer(await slix.run(4, BOT, { node: 'numbers', sessionid: first.sessionid, action: 'next', values: { threshold: 'lots' } }));
    assert.equal(wrong.status, 'executing');
    // The test helper's RED._ gives back the key: the note is the localized text of this key.
    assert.deepEqual(wrong.notes, [['error', 'xmpp-command.form-error.wrong-type']]);
    assert.deepEqual(wrong.form?.fields.map((f) => f.var), ['threshold', 'count'], 'the same form again');
    const missing = answer(await slix.run(4, BOT, { node: 'numbers', sessionid: first.sessionid, action: 'next', values: { count: '3' } }));
    assert.deepEqual(missing.notes, [['error', 'xmpp-command.form-error.required']]);
    const done = answer(await slix.run(4, BOT, { node: 'numbers', sessionid: first.sessionid, action: 'next', values: { threshold: '2.5', count: '3' } }));
    assert.deepEqual([done.status, done.notes], ['completed', [['info', '{"threshold":2.5,"count":3}']]]);
    assert.equal(served.filter((m) => m.command.sessionid === first.sessionid).length, 2, 'the flow saw only the first step and the good submission');
  });

  it('a flow that never answers gives the caller an error after the timeout', async () => {
    const started = Date.now();
    const silent = await slix.run(0, BOT, { node: 'silent' });
    assert.deepEqual(silent.event === 'error' && silent.condition, 'remote-server-timeout');
    assert.ok(Date.now() - started >= 900, 'after the 1 s timeout');
  });

  it('50 sessions from 5 callers at once each get their own answer', async () => {
    const runs = Array.from({ length: 50 }, async (_, i) => {
      const as = i % 5;
      const first = answer(await slix.run(as, BOT, { node: 'echo' }));
      const done = answer(await slix.run(as, BOT, { node: 'echo', sessionid: first.sessionid, action: 'next', values: { n: String(i) } }));
      return { i, as, sessionid: first.sessionid, done };
    });
    const results = await Promise.all(runs);
    assert.equal(new Set(results.map((r) => r.sessionid)).size, 50);
    for (const { i, as, done } of results) assert.deepEqual([done.status, done.notes], ['completed', [['info', `${CALLERS[as] as string} ${i} number`]]]);
  });

  it('call mode runs Prosody’s "Get List of Online Users" as its admin and gets the list', async () => {
    const outputs: Record<string, unknown>[] = [];
    helper.getNode('results')?.on('input', (msg: Record<string, unknown>) => outputs.push(msg));
    getNode('admin').receive({} as NodeMessage);
    const list = await eventually(() => outputs[0], (m) => m !== undefined, 15_000, 'the command list');
    const commands = list.payload as { node: string; name: string }[];
    const online = commands.find((c) => /online users/i.test(c.name) && /list/i.test(c.name));
    assert.ok(online, JSON.stringify(commands));
    getNode('admin').receive({ command: online.node } as unknown as NodeMessage);
    const form = await eventually(() => outputs[1], (m) => m !== undefined, 15_000, 'the first stage');
    assert.equal(form.status, 'executing');
    assert.equal(typeof form.sessionid, 'string');
    getNode('admin').receive({ command: online.node, sessionid: form.sessionid, action: 'complete', payload: {} } as unknown as NodeMessage);
    const done = await eventually(() => outputs[2], (m) => m !== undefined, 15_000, 'the list of online users');
    assert.equal(done.status, 'completed', JSON.stringify(done));
    assert.match(JSON.stringify(done.payload), /adhocbot@localhost/);
    assert.match(JSON.stringify(done.payload), /c1@localhost/);
    // Someone who is no admin is refused: the error reaches a Catch node with the condition.
    const caught: Record<string, unknown>[] = [];
    helper.getNode('caught')?.on('input', (msg: Record<string, unknown>) => caught.push(msg));
    getNode('notAdmin').receive({ command: online.node } as unknown as NodeMessage);
    const refusal = await eventually(() => caught[0], (m) => m !== undefined, 15_000, 'the refusal');
    assert.equal((refusal.error as { code?: string }).code, 'forbidden');
  });
});
