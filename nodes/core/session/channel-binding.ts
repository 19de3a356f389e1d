// SCRAM channel binding (RFC 5056): ties a login to this very TLS connection, so that a
// man in the middle holding a certificate the client trusts still cannot log in as us.
//   tls-exporter          RFC 9266, for TLS 1.3: 32 bytes of exported keying material
//   tls-unique            RFC 5929, TLS 1.2 and older only: the first Finished message
//   tls-server-end-point  RFC 5929: a hash of the server's certificate
// Which one: the best of those the server announces (XEP-0440); without an announcement,
// tls-unique on TLS 1.2 (the default RFC 5802 names, and the only one Prosody 0.12 and
// ejabberd 23.01 know), and none on TLS 1.3, where no type is a safe guess.
import { createHash } from 'node:crypto';
import { TLSSocket } from 'node:tls';

export const TLS_EXPORTER = 'tls-exporter';
export const TLS_UNIQUE = 'tls-unique';
export const TLS_SERVER_END_POINT = 'tls-server-end-point';

export interface ChannelBinding {
  type: string;
  data: Buffer;
}

/** The TLS socket under an xmpp.js client's socket: ours after STARTTLS, or inside xmpp.js's direct-TLS wrapper. */
export function tlsSocketOf(socket: unknown): TLSSocket | undefined {
  if (socket instanceof TLSSocket) return socket;
  const inner = (socket as { socket?: unknown } | null | undefined)?.socket;
  return inner instanceof TLSSocket ? inner : undefined;
}

/** The types we would use on this TLS version, best first. */
function ourTypes(protocol: string | null): string[] {
  return protocol === 'TLSv1.3' ? [TLS_EXPORTER, TLS_SERVER_END_POINT] : [TLS_UNIQUE, TLS_SERVER_END_POINT];
}

/**
 * The binding for this connection, or undefined when there is none we can agree on with the server.
 * `announced`: the types of the server's <sasl-channel-binding/> feature (XEP-0440), if it sent one.
 */
export function channelBinding(socket: TLSSocket, announced: readonly string[] | undefined): ChannelBinding | undefined {
  const protocol = socket.getProtocol();
  const candidates = announced ? ourTypes(protocol).filter((type) => announced.includes(type)) : protocol === 'TLSv1.3' ? [] : [TLS_UNIQUE];
  for (const type of candidates) {
    const data = bindingData(socket, type);
    if (data) return { type, data };
  }
  return undefined;
}

/** The binding data of one type, or undefined when this connection cannot give it. */
export function bindingData(socket: TLSSocket, type: string): Buffer | undefined {
  switch (type) {
    case TLS_EXPORTER:
      // RFC 9266 section 2: label "EXPORTER-Channel-Binding", no context, 32 bytes.
      return socket.getProtocol() === 'TLSv1.3' ? socket.exportKeyingMaterial(32, 'EXPORTER-Channel-Binding', Buffer.alloc(0)) : undefined;
    case TLS_UNIQUE:
      // The first Finished message of the handshake: ours, as we never resume TLS sessions.
      return socket.getProtocol() === 'TLSv1.3' || socket.isSessionReused() ? undefined : socket.getFinished();
    case TLS_SERVER_END_POINT:
      return serverEndPoint(socket.getPeerCertificate().raw);
    default:
      return undefined;
  }
}

// Signature algorithms by OID, and the hash RFC 5929 section 4.1 takes for each (SHA-256 for MD5 and SHA-1).
const SIGNATURE_HASHES: Record<string, string> = {
  '1.2.840.113549.1.1.4': 'sha256', // md5WithRSAEncryption
  '1.2.840.113549.1.1.5': 'sha256', // sha1WithRSAEncryption
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10045.4.1': 'sha256', // ecdsa-with-SHA1
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
};

/** tls-server-end-point: the certificate's hash, with the hash of its signature algorithm; undefined for algorithms RFC 5929 leaves open (RSA-PSS, EdDSA). */
export function serverEndPoint(der: Buffer | undefined): Buffer | undefined {
  if (!der || der.length === 0) return undefined;
  const oid = signatureAlgorithm(der);
  const hash = oid ? SIGNATURE_HASHES[oid] : undefined;
  return hash ? createHash(hash).update(der).digest() : undefined;
}

interface Tlv {
  tag: number;
  start: number;
  end: number;
}

function readTlv(der: Buffer, offset: number): Tlv | undefined {
  const tag = der[offset];
  let lengthByte = der[offset + 1];
  if (tag === undefined || lengthByte === undefined) return undefined;
  let start = offset + 2;
  let length = lengthByte;
  if (lengthByte & 0x80) {
    const count = lengthByte & 0x7f;
    if (count === 0 || count > 4) return undefined;
    length = 0;
    for (let i = 0; i < count; i += 1) {
      lengthByte = der[start + i];
      if (lengthByte === undefined) return undefined;
      length = length * 256 + lengthByte;
    }
    start += count;
  }
  const end = start + length;
  return end <= der.length ? { tag, start, end } : undefined;
}

/** Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm AlgorithmIdentifier, signature }: the OID of the second. */
function signatureAlgorithm(der: Buffer): string | undefined {
  const certificate = readTlv(der, 0);
  if (certificate?.tag !== 0x30) return undefined;
  const tbs = readTlv(der, certificate.start);
  if (tbs?.tag !== 0x30) return undefined;
  const algorithm = readTlv(der, tbs.end);
  if (algorithm?.tag !== 0x30) return undefined;
  const oid = readTlv(der, algorithm.start);
  if (oid?.tag !== 0x06) return undefined;
  return decodeOid(der.subarray(oid.start, oid.end));
}

function decodeOid(bytes: Buffer): string | undefined {
  const first = bytes[0];
  if (first === undefined) return undefined;
  const parts = [Math.floor(first / 40), first % 40];
  let value = 0;
  for (const byte of bytes.subarray(1)) {
    value = value * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      parts.push(value);
      value = 0;
    }
  }
  return parts.join('.');
}
