// Data forms (XEP-0004): a form built and read back, submissions typed per the asking field, and
// each misfit named (wrong type, missing required field, not an option, too many values).
import { strict as assert } from 'node:assert';
import { FormError } from '../../nodes/core/forms/form-error';
import { buildForm, parseForm } from '../../nodes/core/forms/form-stanza';
import type { DataForm, FormField } from '../../nodes/core/forms/form-types';
import { buildSubmission, readSubmission } from '../../nodes/core/forms/form-values';
import { loadXmpp, type XmppLib } from '../../nodes/core/xmpp-lib';

const ASKED: FormField[] = [
  { type: 'fixed', value: 'Pick a build' },
  { var: 'target', type: 'list-single', label: 'Target', required: true, options: [{ value: 'web', label: 'Web' }, { value: 'api' }] },
  { var: 'threshold', type: 'text-single', numeric: 'decimal', value: 1.5 },
  { var: 'count', type: 'text-single', numeric: 'integer' },
  { var: 'notify', type: 'boolean', value: true },
  { var: 'tags', type: 'list-multi', options: [{ value: 'a' }, { value: 'b' }] },
  { var: 'who', type: 'jid-multi' },
  { var: 'owner', type: 'jid-single' },
  { var: 'secret', type: 'text-private' },
  { var: 'notes', type: 'text-multi' },
  { var: 'token', type: 'hidden', value: 'xyz' },
];

describe('data forms', () => {
  let lib: XmppLib;
  before(async () => {
    lib = await loadXmpp();
  });

  function submit(fields: Record<string, string[]>): string {
    const x = lib.xml('x', { xmlns: 'jabber:x:data', type: 'submit' }, ...Object.entries(fields).map(([name, values]) => lib.xml('field', { var: name }, ...values.map((v) => lib.xml('value', {}, v)))));
    return x.toString();
  }

  function read(text: string): ReturnType<typeof readSubmission> {
    return readSubmission(ASKED, lib.parse(text));
  }

  function failure(action: () => unknown): { code: string; field: string } {
    try {
      action();
    } catch (error) {
      assert.ok(error instanceof FormError, String(error));
      return { code: error.code, field: error.field };
    }
    assert.fail('no error');
  }

  it('builds every field type and reads the same form back', () => {
    const form: DataForm = { type: 'form', title: 'Build', instructions: 'Pick one.\nThen wait.', fields: ASKED };
    const x = buildForm(lib.xml, form);
    const text = x.toString();
    assert.match(text, /<validate xmlns="http:\/\/jabber.org\/protocol\/xdata-validate" datatype="xs:decimal">/);
    assert.match(text, /<field var="notify" type="boolean"><value>1<\/value><\/field>/);
    assert.match(text, /<option label="Web"><value>web<\/value><\/option>/);
    assert.equal(x.getChildren('instructions').length, 2);
    const back = parseForm(lib.parse(text));
    assert.equal(back.title, 'Build');
    assert.equal(back.instructions, 'Pick one.\nThen wait.');
    assert.deepEqual(
      back.fields.map((f) => [f.var, f.type, f.value]),
      ASKED.map((f) => [f.var, f.type, f.value]),
    );
    assert.equal(back.fields[1]?.required, true);
    assert.deepEqual(back.fields[1]?.options, [{ value: 'web', label: 'Web' }, { value: 'api', label: undefined }]);
    assert.equal(back.fields[2]?.numeric, 'decimal');
  });

  it('a field without a type is text-single; a form without a known type is refused', () => {
    const back = parseForm(lib.parse("<x xmlns='jabber:x:data' type='result'><field var='a'><value>1</value></field></x>"));
    assert.deepEqual(back.fields[0], { var: 'a', type: 'text-single', label: undefined, desc: undefined, required: undefined, numeric: undefined, options: undefined, value: '1' });
    assert.deepEqual(failure(() => parseForm(lib.parse("<x xmlns='jabber:x:data' type='odd'/>"))), { code: 'bad-form', field: '' });
  });

  it('types a submission per the asking field: booleans, numbers, arrays, lines', () => {
    const values = read(submit({ target: ['api'], threshold: ['2.25'], count: ['-3'], notify: ['false'], tags: ['a', 'b'], who: ['a@example.org', 'example.org'], owner: ['b@example.org/r'], notes: ['one', 'two'], token: ['xyz'], stray: ['ignored'] }));
    assert.deepEqual(values, { target: 'api', threshold: 2.25, count: -3, notify: false, tags: ['a', 'b'], who: ['a@example.org', 'example.org'], owner: 'b@example.org/r', notes: 'one\ntwo', token: 'xyz' });
  });

  it('an emptied optional field is no value; a missing required field is named', () => {
    assert.deepEqual(read(submit({ target: ['web'], secret: [''] })), { target: 'web' });
    assert.deepEqual(failure(() => read(submit({ threshold: ['1'] }))), { code: 'required', field: 'target' });
    assert.deepEqual(failure(() => read(submit({ target: [''] }))), { code: 'required', field: 'target' });
    assert.deepEqual(failure(() => readSubmission(ASKED, undefined)), { code: 'required', field: 'target' });
  });

  it('names the field of a wrong type, an unknown option, or one value too many', () => {
    assert.deepEqual(failure(() => read(submit({ target: ['web'], threshold: ['lots'] }))), { code: 'wrong-type', field: 'threshold' });
    assert.deepEqual(failure(() => read(submit({ target: ['web'], count: ['1.5'] }))), { code: 'wrong-type', field: 'count' });
    assert.deepEqual(failure(() => read(submit({ target: ['web'], notify: ['yes'] }))), { code: 'wrong-type', field: 'notify' });
    assert.deepEqual(failure(() => read(submit({ target: ['web'], owner: ['@@'] }))), { code: 'wrong-type', field: 'owner' });
    assert.deepEqual(failure(() => read(submit({ target: ['mobile'] }))), { code: 'not-an-option', field: 'target' });
    assert.deepEqual(failure(() => read(submit({ target: ['web'], tags: ['a', 'c'] }))), { code: 'not-an-option', field: 'tags' });
    assert.deepEqual(failure(() => read(submit({ target: ['web', 'api'] }))), { code: 'too-many-values', field: 'target' });
    assert.deepEqual(failure(() => read("<x xmlns='jabber:x:data' type='form'/>")), { code: 'bad-form', field: '' });
  });

  it('builds a submission from a flow’s typed values, hidden fields returned as they came', () => {
    const x = buildSubmission(lib.xml, ASKED, { target: 'web', threshold: 3, notify: false, tags: ['b'], notes: 'x\ny' });
    assert.equal(x.toString(), '<x xmlns="jabber:x:data" type="submit"><field var="target"><value>web</value></field><field var="threshold"><value>3</value></field><field var="notify"><value>0</value></field><field var="tags"><value>b</value></field><field var="notes"><value>x</value><value>y</value></field><field var="token" type="hidden"><value>xyz</value></field></x>');
    assert.deepEqual(readSubmission(ASKED, x), { target: 'web', threshold: 3, notify: false, tags: ['b'], notes: 'x\ny', token: 'xyz' });
    assert.deepEqual(failure(() => buildSubmission(lib.xml, ASKED, { target: 'web', count: 'ten' })), { code: 'wrong-type', field: 'count' });
    assert.deepEqual(failure(() => buildSubmission(lib.xml, ASKED, { target: { nested: true } })), { code: 'wrong-type', field: 'target' });
    assert.deepEqual(failure(() => buildSubmission(lib.xml, ASKED, {})), { code: 'required', field: 'target' });
  });
});
