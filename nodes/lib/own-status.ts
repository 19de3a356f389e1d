// A node's own status over the connection's. The config node sets the status of every node
// registered with it on each change of the connection; a node with something of its own to say
// (nobody may call it, say) registers this stand-in, which is the node in every other respect.
import type { Node, NodeStatus } from 'node-red';

/** `own` turns the connection's status into what the node shows. */
export function withOwnStatus(node: Node, own: (connection: NodeStatus) => NodeStatus): Node {
  const show = node.status.bind(node);
  return Object.create(node, {
    status: {
      value: (status: NodeStatus | string): void => {
        show(own(typeof status === 'string' ? { text: status } : status));
      },
    },
  }) as Node;
}
