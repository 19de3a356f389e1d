// What OMEMO tells the connection's log: each event named, with the account or contact and
// device it concerns, never a key. The config node picks the level and the text (locales).

export const OMEMO_NOTICE_CODES = [
  /** A new device was made: no store file yet (info). */
  'device-created',
  /** The store file could not be used: a new device was made, the old file set aside (warning). */
  'store-replaced',
  /** The store file could not be written (error). */
  'store-failed',
  /** A message with no key for our device (debug, counted). */
  'not-for-us',
  /** A message key used before: a replay (warning). */
  'replayed',
  /** A MAC, tag or signature that fails: tampered or corrupt (warning). */
  'tampered',
  /** More skipped messages than a session keeps keys for (warning). */
  'too-many-skipped',
  /** Not a message any version can read (warning). */
  'bad-message',
  /** An OMEMO 2 envelope that names another sender than the stanza's (warning). */
  'wrong-sender',
  /** A message from a device we have no session with: we answer with a new key exchange (warning). */
  'broken-session',
  /** A device showed another identity key than before: not trusted unless verified (warning). */
  'key-changed',
  /** Publishing our device list or bundle failed (warning). */
  'publish-failed',
  /** A contact's device could not be used: no bundle, or a bundle that does not verify (debug). */
  'bad-bundle',
] as const;

export type OmemoNoticeCode = (typeof OMEMO_NOTICE_CODES)[number];

export interface OmemoNotice {
  code: OmemoNoticeCode;
  /** The contact (or our account) concerned. */
  jid: string;
  device?: number | undefined;
  /** A reason in a word or two (a file's problem, a condition). */
  detail?: string | undefined;
}
