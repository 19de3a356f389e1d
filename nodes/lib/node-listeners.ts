// Listeners a node holds on the connection, tied to its life: whatever it adds is removed when
// the node closes, in one place instead of an undo list per node.
export class NodeListeners {
  private readonly removers: Array<() => void> = [];

  /** Keeps removers (what adding a listener returned) until end(). */
  add(...removers: Array<(() => void) | undefined>): void {
    for (const remove of removers) if (remove) this.removers.push(remove);
  }

  /** Removes every listener added (called by the node's close). */
  end(): void {
    for (const remove of this.removers.splice(0)) remove();
  }
}
