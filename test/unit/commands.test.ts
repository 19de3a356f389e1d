// Ad-hoc commands (XEP-0050) against a fake port: serving (who sees and runs what, stages,
// prev, cancel, expiry, misfit submissions, a silent flow, the bound per caller) and calling.
import { strict as assert } from 'node:assert';
import { Commands } from '../../nodes/core/commands/commands';
import type { CommandCall, CommandHandler, CommandReply } from '../../nodes/core/commands/command-server';
import { Disco } from '../../nodes/core/disco/disco';
import type { XmppError } from '../../nodes/core/errors';
import { FormError } from '../../nodes/core/forms/form-error';
import type { DataForm } from '../../nodes/core/forms/form-types';
import { loadXmpp, type XmlElement, type XmppLib } from '../../nodes/core/xmpp-lib';
import { FakePort } from './fake-port';

const TARGETS: DataForm = { type: 'form', title: 'Build', fields: [{ var: 'target', type: 'list-single', required: true, options: [{ value: 'web' }, { value: 'api' }] }] };
const CONFIRM: DataForm = { type: 'form', fields: [{ var: 'sure', type: 'boolean', required: true }] };
const ALICE = 'alice@example.org/phone';
const EVE = 'eve@evil.example/x';

describe('ad-hoc commands', () => {
  let lib: XmppLib;
  before(async () => {
    lib = await loadXmpp();
  });

  /** A Commands module on a fake port with a clock the test moves. */
  function setup(limits?: { perCaller: number; total: number }) {
    const port = new FakePort();
    let time = 0;
    const disco = new Disco(port, { decorate: () => () => undefined, refresh: () => undefined }, { identity: { category: 'client', type: 'bot' }, items: [], version: { name: 'x', version: '1' } });
    const commands = new Commands(port, disco, limits, () => time);
    let id = 0;
    const ask = async (from: string, command: string): Promise<string> => {
      id += 1;
      const answer = await port.query(`<iq type="set" from="${from}" to="${port.jid}" id="c${id}">${command}</iq>`);
      return (answer as XmlElement).toString();
    };
    const disco$ = async (from: string, kind: 'info' | 'items', node: string): Promise<string> => ((await port.query(`<iq type="get" from="${from}" id="d"><query xmlns="http://jabber.org/protocol/disco#${kind}" node="${node}"/></iq>`)) as XmlElement).toString();
    return { port, disco, commands, ask, discoAsk: disco$, advance: (ms: number) => (time += ms) };
  }

  const onlyAlice = (from: string): boolean => from.startsWith('alice@');

  /** Build: stage 1 asks a target, stage 2 asks for confirmation, then done. */
  const build: CommandHandler = (call, respond) => {
    if (call.stage === 1) respond({ kind: 'form', form: TARGETS });
    else if (call.stage === 2) respond({ kind: 'form', form: CONFIRM, last: true });
    else respond({ kind: 'done', note: { type: 'info', text: `built ${String(call.values.sure)}` } });
  };

  const sessionOf = (answer: string): string => /sessionid="([^"]+)"/.exec(answer)?.[1] ?? assert.fail(answer);
  const cmd = (attrs: string, body = ''): string => `<command xmlns="http://jabber.org/protocol/commands" ${attrs}>${body}</command>`;
  const submit = (field: string, value: string): string => `<x xmlns="jabber:x:data" type="submit"><field var="${field}"><value>${value}</value></field></x>`;

  it('lists only what the asker may run, describes each command node, and announces the feature while serving', async () => {
    const { commands, disco, ask, discoAsk } = setup();
    const remove = commands.serve({ node: 'build', name: 'Build', may: onlyAlice }, build);
    commands.serve({ node: 'uptime', name: 'Uptime', may: () => true }, build);
    assert.ok(disco.ownInfo().features.includes('http://jabber.org/protocol/commands'));
    const aliceList = await discoAsk(ALICE, 'items', 'http://jabber.org/protocol/commands');
    assert.match(aliceList, /<item jid="bot@example.org\/home" name="Build" node="build"\/>/);
    assert.match(aliceList, /node="uptime"/);
    const eveList = await discoAsk(EVE, 'items', 'http://jabber.org/protocol/commands');
    assert.doesNotMatch(eveList, /build/);
    assert.match(eveList, /node="uptime"/);
    assert.match(await discoAsk(ALICE, 'info', 'build'), /<identity category="automation" type="command-node" name="Build"\/>.*<feature var="http:\/\/jabber.org\/protocol\/commands"\/>/);
    assert.match(await discoAsk(EVE, 'info', 'build'), /item-not-found/);
    assert.match(await ask(EVE, cmd('node="build" action="execute"')), /<error type="auth"><forbidden/);
    assert.match(await ask(ALICE, cmd('node="nothing" action="execute"')), /item-not-found/);
    remove();
    assert.doesNotMatch(await discoAsk(ALICE, 'items', 'http://jabber.org/protocol/commands'), /build/);
  });

  it('runs two stages with typed values, goes back with prev, and completes with the note', async () => {
    const { commands, ask } = setup();
    const calls: CommandCall[] = [];
    commands.serve({ node: 'build', name: 'Build', may: onlyAlice }, (call, respond) => {
      calls.push(call);
      build(call, respond);
    });
    const first = await ask(ALICE, cmd('node="build" action="execute"'));
    assert.match(first, /status="executing"><actions execute="next"><next\/><\/actions><x xmlns="jabber:x:data" type="form"><title>Build<\/title>/);
    const sid = sessionOf(first);
    const second = await ask(ALICE, cmd(`node="build" sessionid="${sid}" action="next"`, submit('target', 'api')));
    assert.match(second, /<actions execute="complete"><complete\/><prev\/><\/actions>.*var="sure" type="boolean"/);
    const back = await ask(ALICE, cmd(`node="build" sessionid="${sid}" action="prev"`));
    assert.match(back, /<actions execute="next"><next\/><\/actions>.*var="target"/);
    await ask(ALICE, cmd(`node="build" sessionid="${sid}" action="next"`, submit('target', 'web')));
    // No action within a session: the stage's default, complete on the last stage.
    const done = await ask(ALICE, cmd(`node="build" sessionid="${sid}"`, submit('sure', 'true')));
    assert.match(done, /status="completed"><note type="info">built true<\/note><\/command>/);
    assert.deepEqual(
      calls.map((c) => [c.stage, c.action, c.values, c.from, c.sessionid === sid]),
      [
        [1, 'execute', {}, ALICE, true],
        [2, 'next', { target: 'api' }, ALICE, true],
        [2, 'next', { target: 'web' }, ALICE, true],
        [3, 'complete', { sure: true }, ALICE, true],
      ],
    );
    assert.match(await ask(ALICE, cmd(`node="build" sessionid="${sid}" action="next"`, submit('sure', '1'))), /bad-sessionid/);
    assert.equal(commands.openSessions, 0);
  });

  it('a submission that does not fit comes back as the same form with an error note, and the flow is not asked', async () => {
    const { commands, ask } = setup();
    let asked = 0;
    commands.serve({ node: 'build', name: 'Build', may: onlyAlice, describe: (e: FormError) => `bad ${e.code} ${e.field}` }, (call, respond) => {
      asked += 1;
      build(call, respond);
    });
    const sid = sessionOf(await ask(ALICE, cmd('node="build"')));
    assert.match(await ask(ALICE, cmd(`node="build" sessionid="${sid}" action="next"`, submit('target', 'mobile'))), /status="executing".*<note type="error">bad not-an-option target<\/note>.*var="target"/);
    assert.match(await ask(ALICE, cmd(`node="build" sessionid="${sid}" action="next"`)), /<note type="error">bad required target<\/note>/);
    await ask(ALICE, cmd(`node="build" sessionid="${sid}" action="next"`, submit('target', 'web')));
    assert.match(await ask(ALICE, cmd(`node="build" sessionid="${sid}"`, submit('sure', 'maybe'))), /<note type="error">bad wrong-type sure<\/note>/);
    assert.equal(asked, 2);
  });

  it('cancel ends a session; another caller cannot continue it; a malformed action is refused', async () => {
    const { commands, ask } = setup();
    commands.serve({ node: 'build', name: 'Build', may: () => true }, build);
    const sid = sessionOf(await ask(ALICE, cmd('node="build"')));
    assert.match(await ask('alice@example.org/laptop', cmd(`node="build" sessionid="${sid}" action="next"`, submit('target', 'web'))), /bad-sessionid/);
    assert.match(await ask(ALICE, cmd(`node="build" sessionid="${sid}" action="cancel"`)), /status="canceled"/);
    assert.match(await ask(ALICE, cmd(`node="build" sessionid="${sid}" action="next"`, submit('target', 'web'))), /<error type="modify"><bad-request xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"\/><bad-sessionid xmlns="http:\/\/jabber.org\/protocol\/commands"\/>/);
    assert.match(await ask(ALICE, cmd('node="build" action="dance"')), /malformed-action/);
    assert.match(await ask(ALICE, cmd(`node="build" sessionid="${sessionOf(await ask(ALICE, cmd('node="build"')))}" action="prev"`)), /bad-action/);
  });

  it('a session expires after its quiet spell (10 minutes by default) and its caller hears so', async () => {
    const { commands, ask, advance } = setup();
    commands.serve({ node: 'build', name: 'Build', may: () => true }, build);
    const sid = sessionOf(await ask(ALICE, cmd('node="build"')));
    advance(9 * 60_000);
    const kept = sessionOf(await ask(ALICE, cmd(`node="build" sessionid="${sid}"`, submit('target', 'web'))));
    assert.equal(kept, sid);
    advance(10 * 60_000);
    assert.match(await ask(ALICE, cmd(`node="build" sessionid="${sid}"`, submit('sure', '1'))), /<error type="cancel"><not-allowed xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"\/><session-expired xmlns="http:\/\/jabber.org\/protocol\/commands"\/>/);
    assert.equal(commands.openSessions, 0);
  });

  it('a flow that never answers gives the caller an error after the timeout; a throwing flow an internal error', async () => {
    const { commands, ask } = setup();
    commands.serve({ node: 'silent', name: 'Silent', may: () => true, answerTimeoutMs: 30 }, () => undefined);
    commands.serve({ node: 'broken', name: 'Broken', may: () => true }, () => {
      throw new Error('boom');
    });
    assert.match(await ask(ALICE, cmd('node="silent"')), /<error type="wait"><remote-server-timeout/);
    assert.match(await ask(ALICE, cmd('node="broken"')), /<error type="cancel"><internal-server-error/);
    assert.equal(commands.openSessions, 0);
  });

  it('bounds open sessions per caller; each of many parallel sessions gets its own answer', async () => {
    const { commands, ask } = setup({ perCaller: 10, total: 100 });
    const waiting: (() => void)[] = [];
    commands.serve({ node: 'echo', name: 'Echo', may: () => true }, (call, respond) => {
      const answer: CommandReply = call.stage === 1 ? { kind: 'form', form: { type: 'form', fields: [{ var: 'n', type: 'text-single', numeric: 'integer' }] } } : { kind: 'done', note: { type: 'info', text: `${call.from} ${String(call.values.n)}` } };
      waiting.push(() => respond(answer));
    });
    const callers = ['a', 'b', 'c', 'd', 'e'].map((name) => `${name}@example.org/r`);
    const firsts = callers.flatMap((from) => Array.from({ length: 10 }, () => ask(from, cmd('node="echo"'))));
    assert.match(await ask(callers[0] as string, cmd('node="echo"')), /<error type="wait"><resource-constraint/);
    for (const go of waiting.splice(0)) go();
    const sids = (await Promise.all(firsts)).map(sessionOf);
    assert.equal(new Set(sids).size, 50);
    const seconds = sids.map((sid, i) => ask(callers[Math.floor(i / 10)] as string, cmd(`node="echo" sessionid="${sid}"`, submit('n', String(i)))));
    while (waiting.length < 50) await new Promise((resolve) => setImmediate(resolve));
    for (const go of waiting.splice(0).reverse()) go();
    const notes = await Promise.all(seconds);
    notes.forEach((note, i) => assert.match(note, new RegExp(`<note type="info">${callers[Math.floor(i / 10)] as string} ${i}</note>`)));
  });

  it('calls another entity: lists, runs a stage with typed values, cancels; values that do not fit are refused before sending', async () => {
    const { port, commands } = setup();
    port.answer = (iq) => {
      const query = iq.getChildElements()[0] as XmlElement;
      const reply = (child: string): XmlElement => lib.parse(`<iq type="result" id="${iq.attrs.id ?? ''}" from="${iq.attrs.to ?? ''}">${child}</iq>`);
      if (query.name === 'query') return reply('<query xmlns="http://jabber.org/protocol/disco#items" node="http://jabber.org/protocol/commands"><item jid="localhost" node="uptime" name="Uptime"/></query>');
      if (query.attrs.action === 'cancel') return reply(cmd(`node="uptime" sessionid="s1" status="canceled"`));
      if (!query.attrs.sessionid) return reply(cmd('node="uptime" sessionid="s1" status="executing"', '<actions execute="next"><next/></actions><x xmlns="jabber:x:data" type="form"><field var="max" type="text-single"><validate xmlns="http://jabber.org/protocol/xdata-validate" datatype="xs:integer"/></field><field var="on" type="boolean"/></x>'));
      return reply(cmd('node="uptime" sessionid="s1" status="completed"', '<note type="info">ok</note>'));
    };
    assert.deepEqual(await commands.list('localhost', 1000), [{ jid: 'localhost', node: 'uptime', name: 'Uptime' }]);
    const first = await commands.run({ to: 'localhost', node: 'uptime' }, 1000);
    assert.equal(first.sessionid, 's1');
    assert.deepEqual(first.actions, ['next']);
    assert.equal(first.form?.fields[0]?.numeric, 'integer');
    await assert.rejects(commands.run({ to: 'localhost', node: 'uptime', sessionid: 's1', values: { max: 'many' } }, 1000), (e: unknown) => e instanceof FormError && e.code === 'wrong-type');
    const done = await commands.run({ to: 'localhost', node: 'uptime', sessionid: 's1', values: { max: 5, on: true } }, 1000);
    assert.equal(port.requests.at(-1)?.toString().includes('<field var="max"><value>5</value></field><field var="on"><value>1</value></field>'), true);
    assert.deepEqual([done.status, done.notes], ['completed', [{ type: 'info', text: 'ok' }]]);
    // Values for a session whose form this process never saw (after a restart) go as given.
    await commands.run({ to: 'localhost', node: 'uptime', sessionid: 'elsewhere', values: { max: 7, on: false, tags: ['a', 'b'] } }, 1000);
    assert.equal(port.requests.at(-1)?.toString().includes('<field var="max"><value>7</value></field><field var="on"><value>0</value></field><field var="tags"><value>a</value><value>b</value></field>'), true);
    await commands.run({ to: 'localhost', node: 'uptime' }, 1000);
    assert.equal((await commands.run({ to: 'localhost', node: 'uptime', sessionid: 's1', action: 'cancel' }, 1000)).status, 'canceled');
    port.answer = (iq) => lib.parse(`<iq type="error" id="${iq.attrs.id ?? ''}"><error type="auth"><forbidden xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/></error></iq>`);
    await assert.rejects(commands.run({ to: 'localhost', node: 'uptime' }, 1000), (e: XmppError) => e.condition === 'forbidden');
  });
});
