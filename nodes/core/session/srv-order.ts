// The order in which to try SRV targets (RFC 2782): lowest priority first; within a priority, a
// weighted random draw, one record at a time, so that load spreads as the weights say.

export interface Weighted {
  priority: number;
  weight: number;
}

/** A number in [0, 1), as Math.random gives (injected by tests). */
export type Random = () => number;

/** The records in the order to try them; the input is left as it was. */
export function orderSrv<T extends Weighted>(records: readonly T[], random: Random = Math.random): T[] {
  const priorities = [...new Set(records.map((record) => record.priority))].sort((a, b) => a - b);
  const ordered: T[] = [];
  for (const priority of priorities) {
    // Weight 0 goes first: chosen only when the draw is exactly 0, "a very small chance" (RFC 2782).
    const left = records.filter((record) => record.priority === priority).sort((a, b) => Number(a.weight > 0) - Number(b.weight > 0));
    while (left.length > 0) {
      const sum = left.reduce((total, record) => total + record.weight, 0);
      // A whole number from 0 to the sum, both included.
      const draw = Math.min(sum, Math.floor(random() * (sum + 1)));
      let running = 0;
      const chosen = left.findIndex((record) => (running += record.weight) >= draw);
      ordered.push(...left.splice(chosen, 1));
    }
  }
  return ordered;
}
