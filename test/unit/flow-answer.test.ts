import { strict as assert } from 'node:assert';
import { XmppError } from '../../nodes/core/errors';
import { answerOnce } from '../../nodes/core/iq/flow-answer';

describe('a query answered by a flow (answerOnce)', () => {
  it('takes the first answer only, frees the place once, and hands its error back to the answerer', async () => {
    let released = 0;
    const told: (XmppError | undefined)[] = [];
    const answer = await answerOnce<string>(
      () => (released += 1),
      (outcome) => ({ element: true, error: outcome === 'big' ? new XmppError('too-large') : undefined }),
      (respond) => {
        told.push(respond('big'), respond('second'));
      },
      'fallback',
    );
    assert.equal(answer, true);
    assert.equal(released, 1);
    assert.equal(told[0]?.code, 'too-large');
    assert.equal(told[1], undefined, 'a second answer is ignored');
  });

  it('answers with the fallback when the handler throws', async () => {
    const seen: string[] = [];
    await answerOnce<string>(
      () => undefined,
      (outcome) => {
        seen.push(outcome);
        return { element: undefined };
      },
      () => {
        throw new Error('flow broke');
      },
      'fallback',
    );
    assert.deepEqual(seen, ['fallback']);
  });
});
