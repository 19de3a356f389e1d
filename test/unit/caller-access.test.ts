// Who may use what a flow serves: listed bare JIDs and domains, or anyone when chosen; an empty
// list lets nobody in.
import { strict as assert } from 'node:assert';
import { callerAllowed, letsNobodyIn, NOBODY } from '../../nodes/core/caller-access';
import { readServing } from '../../nodes/lib/serving';

describe('caller access', () => {
  it('lets callers in by bare JID or domain', () => {
    assert.equal(callerAllowed('alice@example.org/phone', { mode: 'listed', callers: ['alice@example.org'] }), true);
    assert.equal(callerAllowed('Alice@Example.org/phone', { mode: 'listed', callers: [' ALICE@example.org '] }), true);
    assert.equal(callerAllowed('bob@example.org/x', { mode: 'listed', callers: ['example.org'] }), true);
    assert.equal(callerAllowed('eve@evil.example/x', { mode: 'listed', callers: ['alice@example.org', 'example.org'] }), false);
  });

  // Changed by issue 10: an empty list used to let everyone in.
  it('lets nobody in with an empty list, and anyone only when "anyone" is chosen', () => {
    assert.equal(callerAllowed('alice@example.org/phone', { mode: 'listed', callers: [] }), false);
    assert.equal(callerAllowed('alice@example.org/phone', NOBODY), false);
    assert.equal(callerAllowed('alice@example.org/phone', { mode: 'anyone', callers: [] }), true);
    assert.equal(callerAllowed('', { mode: 'listed', callers: ['', ' '] }), false, 'no sender is nobody listed');
    assert.equal(letsNobodyIn({ mode: 'listed', callers: [' '] }), true);
    assert.equal(letsNobodyIn({ mode: 'anyone', callers: [] }), false);
  });

  it("reads a node's fields: listed unless 'anyone' is given, bounds 10 and 100 unless set", () => {
    assert.deepEqual(readServing({}), { access: { mode: 'listed', callers: [] }, limits: { perCaller: 10, total: 100 }, nobody: true });
    assert.deepEqual(readServing({ access: 'everyone', callers: 'a@b.c, d.e' }), { access: { mode: 'listed', callers: ['a@b.c', 'd.e'] }, limits: { perCaller: 10, total: 100 }, nobody: false });
    assert.deepEqual(readServing({ access: 'anyone', maxPerCaller: '3', maxPending: 7.9 }), { access: { mode: 'anyone', callers: [] }, limits: { perCaller: 3, total: 7 }, nobody: false });
    assert.deepEqual(readServing({ access: 'listed', maxPerCaller: -1, maxPending: 'lots' }).limits, { perCaller: 10, total: 100 });
  });
});
