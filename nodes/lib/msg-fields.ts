// Reading a node's settings where a msg property may override a field of the node.

/** Trimmed text, or undefined for anything else or blank text. */
export function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** Whether a msg property was given at all (undefined, null and '' count as not given). */
export function present(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '';
}

/** A positive number from a number or numeric text, or undefined. */
export function positiveNumber(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value.trim()) : NaN;
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

/**
 * A timeout in ms: msg.timeout (seconds) over the node's field (seconds) over `defaultS`. A
 * msg.timeout that is not a positive number is refused with the error `invalid` makes.
 */
export function timeoutMs(msgValue: unknown, fieldValue: unknown, defaultS: number, invalid: (given: string) => Error): number {
  if (present(msgValue)) {
    const s = positiveNumber(msgValue);
    if (s === undefined) throw invalid(String(msgValue));
    return Math.round(s * 1000);
  }
  return Math.round((positiveNumber(fieldValue) ?? defaultS) * 1000);
}

/** A comma (or space) separated list from a node field. */
export function listOf(field: unknown): string[] {
  if (typeof field !== 'string') return [];
  return field
    .split(/[\s,]+/)
    .map((entry) => entry.trim())
    .filter(Boolean);
}
