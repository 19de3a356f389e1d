// Byte helpers every OMEMO primitive needs: joining, constant-time comparison, base64 for stored state.
import { timingSafeEqual } from 'node:crypto';

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Constant time for equal lengths, so a MAC check leaks nothing about where the bytes differ. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}

export function fromBase64(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'base64'));
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** A plain Uint8Array copy (Node's Buffer subclass would leak into deepEqual and JSON). */
export function bytes(from: ArrayBuffer | Uint8Array): Uint8Array {
  return from instanceof Uint8Array ? new Uint8Array(from) : new Uint8Array(from.slice(0));
}
