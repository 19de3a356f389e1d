// What the OMEMO engine tests share: text to bytes and back, and the code an engine refuses with.
import { OmemoError } from '../../nodes/core/omemo/engine';

export const text = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'utf8'));
export const str = (b: Uint8Array | undefined): string => Buffer.from(b ?? new Uint8Array(0)).toString('utf8');

/** The OmemoError code fn throws, or 'accepted' when it throws nothing. */
export function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof OmemoError) return err.code;
    throw err;
  }
  return 'accepted';
}
