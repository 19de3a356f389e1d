import { strict as assert } from 'node:assert';
import { MAX_STRANGERS, PresenceScope } from '../../nodes/core/contacts/presence-scope';

describe('presence scope', () => {
  it('counts whom we wrote to by bare JID, whatever the case or resource we wrote to', () => {
    const scope = new PresenceScope(() => false, () => undefined);
    for (let i = 0; i < MAX_STRANGERS; i += 1) assert.equal(scope.follows(`s${i}@x.test`, 'available'), true);
    assert.equal(scope.follows('alice@example.test', 'available'), false, 'strangers are full');
    scope.wroteTo('Alice@Example.TEST/phone');
    assert.equal(scope.follows('alice@example.test', 'available'), true);
    scope.wroteTo('bob@example.test');
    assert.equal(scope.follows('bob@example.test', 'unavailable'), true);
    scope.wroteTo(undefined);
    assert.equal(scope.follows('carol@example.test', 'available'), false);
  });

  it('reports ignored strangers once a period and frees the place of one gone offline', () => {
    const reports: number[] = [];
    const scope = new PresenceScope((bare) => bare === 'me@example.test', (n) => reports.push(n));
    assert.equal(scope.follows('me@example.test', 'available'), true);
    for (let i = 0; i < MAX_STRANGERS + 5; i += 1) scope.follows(`s${i}@x.test`, 'available');
    assert.deepEqual(reports, [1], 'the first ignored one is reported, the next four wait for the period');
    scope.gone('s0@x.test');
    assert.equal(scope.follows('new@x.test', 'available'), true);
    scope.reset();
    assert.equal(scope.follows('s200@x.test', 'available'), true);
  });
});
