// Base64 for the key material in bundles and <encrypted>: strict reading, since a peer's
// malformed text must fail as a bad element rather than decode into garbage bytes.
export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** The bytes of base64 text (whitespace ignored); undefined when it is not base64. */
export function fromBase64(text: string | null | undefined): Uint8Array | undefined {
  if (text === null || text === undefined) return undefined;
  const clean = text.replace(/\s+/g, '');
  if (clean.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(clean)) return undefined;
  return new Uint8Array(Buffer.from(clean, 'base64'));
}

/** A device id or key id: a whole number in [1, 2^32) as XEP-0384 writes it (xs:unsignedInt); undefined otherwise. */
export function readId(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d{1,10}$/.test(text)) return undefined;
  const value = Number(text);
  return value <= 0xffffffff ? value : undefined;
}
