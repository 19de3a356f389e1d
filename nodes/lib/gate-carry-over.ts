// What a closing node hands to the node a redeploy starts in its place (same id). Node-RED
// deletes a node's context when the node closes unless settings.contextStorage configures a
// store, so with the default settings the context alone would not survive a redeploy.
import type { EventEmitter } from 'node:events';

interface RuntimeEvent {
  id?: unknown;
  payload?: { state?: unknown; deploy?: unknown };
}

export class CarryOver<T> {
  private readonly left = new Map<string, T>();
  private readonly watched = new WeakSet<EventEmitter>();

  /**
   * Forgets everything when the flows stop other than for a deploy (Node-RED stopping, or the
   * flows stopped from the editor): nobody takes over then, and the context has what it keeps.
   * Listens once per runtime, however often the node module is registered.
   */
  watch(events: EventEmitter): void {
    if (this.watched.has(events)) return;
    this.watched.add(events);
    events.on('runtime-event', (event: RuntimeEvent) => {
      if (event?.id === 'runtime-state' && event.payload?.state === 'stop' && event.payload.deploy !== true) this.left.clear();
    });
  }

  leave(id: string, state: T): void {
    this.left.set(id, state);
  }

  /** What the node with this id left when it closed, once. */
  take(id: string): T | undefined {
    const state = this.left.get(id);
    this.left.delete(id);
    return state;
  }
}
