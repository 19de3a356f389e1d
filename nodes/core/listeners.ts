// Listeners of one kind: adding one returns the function that removes it (what a node calls
// when it closes), and one that throws is reported, never keeps the others from hearing.

export class Listeners<A extends unknown[]> {
  private readonly set = new Set<(...args: A) => void>();

  constructor(private readonly onError: (error: unknown) => void = () => undefined) {}

  add(listener: (...args: A) => void): () => void {
    this.set.add(listener);
    return () => {
      this.set.delete(listener);
    };
  }

  emit(...args: A): void {
    for (const listener of [...this.set]) {
      try {
        listener(...args);
      } catch (error) {
        this.onError(error);
      }
    }
  }

  get size(): number {
    return this.set.size;
  }
}
