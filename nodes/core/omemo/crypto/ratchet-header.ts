// The Double Ratchet header both versions carry: the sender's ratchet key and the two chain counters.
export interface RatchetHeader {
  /** Raw 32-byte Curve25519 key (0.3 puts 0x05 in front of it on the wire). */
  ratchetKey: Uint8Array;
  /** Index of this message in the sending chain. */
  n: number;
  /** Length of the sender's previous sending chain. */
  pn: number;
}
