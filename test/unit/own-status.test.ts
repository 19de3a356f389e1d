// A node's own news on top of its connection's status: shown only while the connection is fine,
// and redrawn at most once a period however often it changes.
import { strict as assert } from 'node:assert';
import type { Node, NodeStatus } from 'node-red';
import { OwnStatus } from '../../nodes/lib/own-status';

/** Just enough of a node: what status() was given, and a wait for the next call. */
function fakeNode(): { node: Node; shown: NodeStatus[]; next: () => Promise<NodeStatus> } {
  const shown: NodeStatus[] = [];
  let waiter: ((status: NodeStatus) => void) | undefined;
  const node = {
    id: 'n1',
    status(status: NodeStatus) {
      shown.push(status);
      waiter?.(status);
      waiter = undefined;
    },
  } as unknown as Node;
  return { node, shown, next: () => new Promise((resolve) => (waiter = resolve)) };
}

const GREEN: NodeStatus = { fill: 'green', shape: 'dot', text: 'bot@example.org' };
const RETRYING: NodeStatus = { fill: 'red', shape: 'ring', text: 'retrying' };

describe('own status over the connection status', () => {
  it('shows the connection status until there is news, the news while the connection is green, the trouble otherwise', () => {
    const { node, shown } = fakeNode();
    let dropped = 0;
    const status = new OwnStatus(node, () => (dropped ? { fill: 'yellow', text: `${dropped} dropped` } : undefined), 60_000);
    status.sink(GREEN);
    assert.deepEqual(shown.at(-1), GREEN);
    dropped = 3;
    status.changed();
    assert.deepEqual(shown.at(-1), { fill: 'yellow', text: '3 dropped' });
    status.sink(RETRYING);
    assert.deepEqual(shown.at(-1), RETRYING);
    status.sink(GREEN);
    assert.deepEqual(shown.at(-1), { fill: 'yellow', text: '3 dropped' });
    status.close();
  });

  it('the sink registered with the connection is not the node\'s own status: what it gets becomes the base', () => {
    const { node, shown } = fakeNode();
    const status = new OwnStatus(node, () => undefined);
    assert.notEqual(status.sink, node.status);
    status.sink(RETRYING);
    assert.deepEqual(shown.at(-1), RETRYING);
    status.close();
  });

  it('draws a burst of changes at once, then the last one once the period is over, and nothing in between', async () => {
    const { node, shown, next } = fakeNode();
    let dropped = 0;
    const status = new OwnStatus(node, () => (dropped ? { fill: 'yellow', text: `${dropped} dropped` } : undefined), 20);
    status.set(GREEN);
    const drawnBefore = shown.length;
    for (dropped = 1; dropped <= 1000; dropped++) status.changed();
    dropped = 1000;
    assert.equal(shown.length, drawnBefore + 1, 'one redraw for the first change');
    assert.equal(shown.at(-1)?.text, '1 dropped');
    assert.equal((await next()).text, '1000 dropped');
    assert.equal(shown.length, drawnBefore + 2);
    status.close();
  });

  it('draws nothing after close', () => {
    const { node, shown } = fakeNode();
    const status = new OwnStatus(node, () => ({ text: 'news' }), 20);
    status.close();
    status.set(GREEN);
    status.changed();
    assert.deepEqual(shown, []);
  });
});
