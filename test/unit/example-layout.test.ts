// The example flows open tidy: every node on the canvas (x, y ≥ 0 once sized from its label),
// none on another, no wire drawn behind a third node. Sizes are estimated as the editor computes
// them; test/package/editor-examples.test.ts checks the same with the sizes the editor really gives.
import { strict as assert } from 'node:assert';
import { exampleFiles, loadExample } from '../rig/examples';
import { estimatedBox, layoutProblems, segmentCrossesBox, type Box } from '../rig/flow-layout';
import { ECHO_BOT_FILE, type FlowNode } from '../rig/node-red-process';

const node = (id: string, x: number, y: number, name: string, wires: string[][] = []): FlowNode => ({ id, type: 'function', name, x, y, wires });

describe('the layout of the example flows', () => {
  it('sizes a node as the editor does: 100 px at least, wider for a longer label, taller for more outputs', () => {
    const short = estimatedBox(node('a', 100, 100, 'f'));
    assert.deepEqual([short.left, short.right, short.top, short.bottom], [50, 150, 85, 115]);
    const long = estimatedBox(node('b', 300, 100, 'a label of thirty characters.'));
    assert.ok(long.right - long.left >= 29 * 7 + 57, `width ${long.right - long.left}`);
    assert.equal((long.right - long.left) % 20, 0, 'a multiple of the 20 px grid');
    const three = estimatedBox(node('c', 100, 100, 'route', [[], [], []]));
    assert.equal(three.bottom - three.top, 45);
  });

  it('sees a wire pass through a box, and one that passes beside it', () => {
    const box: Box = { id: 'x', label: 'x', left: 100, right: 200, top: 90, bottom: 110, inputs: 1, outputs: 1 };
    assert.equal(segmentCrossesBox([0, 100], [300, 100], box), true);
    assert.equal(segmentCrossesBox([0, 0], [300, 200], box), true);
    assert.equal(segmentCrossesBox([0, 60], [300, 60], box), false);
    assert.equal(segmentCrossesBox([0, 100], [90, 100], box), false);
  });

  it('finds what is wrong with a bad layout: off the canvas, overlapping, a wire behind a node', () => {
    const flow = [
      node('left', 30, 100, 'a long label that reaches out', [['far']]),
      node('middle', 400, 100, 'in the way'),
      node('far', 700, 100, 'target'),
      node('twin', 410, 105, 'on top of middle'),
    ];
    const problems = layoutProblems(flow);
    assert.ok(problems.some((p) => /left.*out of the canvas/.test(p)), problems.join('\n'));
    assert.ok(problems.some((p) => /middle.*twin.*overlap/.test(p)), problems.join('\n'));
    assert.ok(problems.some((p) => /wire .*left.*far.*behind .*middle/.test(p)), problems.join('\n'));
    assert.deepEqual(layoutProblems([node('a', 100, 100, 'a', [['b']]), node('b', 300, 100, 'b')]), []);
  });

  for (const file of [...exampleFiles(), ECHO_BOT_FILE]) {
    it(`lays out ${file} inside the canvas, without overlaps or wires behind nodes`, () => {
      assert.deepEqual(layoutProblems(loadExample(file)), []);
    });
  }
});
