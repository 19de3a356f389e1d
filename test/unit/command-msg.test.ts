// xmpp-command msgs: the flow's reply (a form, a completion), a served step as a msg, and what
// call mode asks and brings back; each bad msg named.
import { strict as assert } from 'node:assert';
import { readCommandCall, readCommandReply, responseFields, stepMsg } from '../../nodes/lib/command-msg';
import { MsgError } from '../../nodes/lib/node-error';

function code(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    assert.ok(error instanceof MsgError, String(error));
    return `${error.code} ${error.detail}`;
  }
  assert.fail('no error');
}

describe('xmpp-command msgs', () => {
  it('reads a next stage from msg.form: fields, options as texts or objects, numeric, last', () => {
    const reply = readCommandReply({ form: { title: 'Build', instructions: 'Pick', last: true, fields: [{ var: 'target', type: 'list-single', options: ['web', { value: 'api', label: 'API' }], required: true }, { var: 'n', numeric: 'integer', value: 3 }, { type: 'fixed', value: 'hello' }] }, payload: 'careful', note: 'warn' });
    assert.deepEqual(reply, {
      kind: 'form',
      last: true,
      note: { type: 'warn', text: 'careful' },
      form: {
        type: 'form',
        title: 'Build',
        instructions: 'Pick',
        fields: [
          { var: 'target', type: 'list-single', label: undefined, desc: undefined, required: true, numeric: undefined, options: [{ value: 'web' }, { value: 'api', label: 'API' }], value: undefined },
          { var: 'n', type: 'text-single', label: undefined, desc: undefined, required: undefined, numeric: 'integer', options: undefined, value: 3 },
          { var: undefined, type: 'fixed', label: undefined, desc: undefined, required: undefined, numeric: undefined, options: undefined, value: 'hello' },
        ],
      },
    });
  });

  it('reads a completion: msg.payload the note, msg.note its type (info by default)', () => {
    assert.deepEqual(readCommandReply({ payload: 'Started' }), { kind: 'done', note: { type: 'info', text: 'Started' } });
    assert.deepEqual(readCommandReply({ payload: 'No', note: 'error' }), { kind: 'done', note: { type: 'error', text: 'No' } });
    assert.deepEqual(readCommandReply({}), { kind: 'done', note: undefined });
  });

  it('names a bad reply: a form without fields, an unknown field type, a field without var, a bad note type', () => {
    assert.equal(code(() => readCommandReply({ form: { title: 'x' } })), 'invalid-form fields');
    assert.equal(code(() => readCommandReply({ form: { fields: [{ var: 'a', type: 'slider' }] } })), 'invalid-form fields[0].type');
    assert.equal(code(() => readCommandReply({ form: { fields: [{ type: 'boolean' }] } })), 'invalid-form fields[0].var');
    assert.equal(code(() => readCommandReply({ form: { fields: [{ var: 'a', value: { x: 1 } }] } })), 'invalid-form fields[0].value');
    assert.equal(code(() => readCommandReply({ payload: 'x', note: 'loud' })), 'invalid-note loud');
  });

  it('a served step comes out with command, from, typed payload and the reply handle', () => {
    const msg = stepMsg({ node: 'build', sessionid: 's1', action: 'next', stage: 2, from: 'a@example.org/r', values: { target: 'web' } }, 'h1');
    assert.deepEqual(msg, { command: { node: 'build', sessionid: 's1', action: 'next', stage: 2 }, from: 'a@example.org/r', payload: { target: 'web' }, topic: 'build', _command: { id: 'h1' } });
  });

  it('call mode: no command lists; a command runs; a session continues with values; bad input named', () => {
    const defaults = { to: 'localhost', node: '', timeout: 5 };
    assert.deepEqual(readCommandCall({}, defaults), { kind: 'list', to: 'localhost', timeoutMs: 5000 });
    assert.deepEqual(readCommandCall({ command: 'uptime', payload: 'ignored on a first step' }, defaults), { kind: 'run', to: 'localhost', node: 'uptime', sessionid: undefined, action: undefined, values: undefined, timeoutMs: 5000 });
    assert.deepEqual(readCommandCall({ to: 'bot@example.org/home', command: { node: 'b', sessionid: 's' }, payload: { a: 1 }, action: 'complete' }, defaults), { kind: 'run', to: 'bot@example.org/home', node: 'b', sessionid: 's', action: 'complete', values: { a: 1 }, timeoutMs: 5000 });
    assert.equal(code(() => readCommandCall({}, { ...defaults, to: '' })), 'no-target ');
    assert.equal(code(() => readCommandCall({ to: 'a@@b' }, defaults)), 'invalid-jid a@@b');
    assert.equal(code(() => readCommandCall({ command: 'b', action: 'jump' }, defaults)), 'invalid-action jump');
    assert.equal(code(() => readCommandCall({ command: 'b', action: 'next' }, defaults)), 'no-session next');
    assert.equal(code(() => readCommandCall({ command: 'b', sessionid: 's', payload: [1] }, defaults)), 'invalid-values object');
    assert.equal(code(() => readCommandCall({ timeout: -1 }, defaults)), 'invalid-timeout -1');
  });

  it('call mode output: the form values or the notes as payload, the session id while executing', () => {
    const executing = responseFields({ node: 'b', sessionid: 's', status: 'executing', actions: ['next'], notes: [], form: { type: 'form', fields: [{ var: 'max', type: 'text-single', value: 4 }] } });
    assert.deepEqual([executing.payload, executing.sessionid, executing.status, executing.actions], [{ max: 4 }, 's', 'executing', ['next']]);
    const done = responseFields({ node: 'b', sessionid: 's', status: 'completed', actions: [], notes: [{ type: 'info', text: 'ok' }], form: undefined });
    assert.deepEqual([done.payload, done.sessionid, done.note, done.notes], ['ok', undefined, 'info', [{ type: 'info', text: 'ok' }]]);
  });
});
