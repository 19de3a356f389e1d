// The little of protobuf (proto2) OMEMO needs: uint32 varints and length-delimited bytes, written in field
// order as the reference encoders do, read strictly (bounded lengths, well-formed varints) and skipping
// unknown fields as protobuf does.

export type FieldKind = 'uint32' | 'bytes';
export type FieldValue = number | Uint8Array;

export class ProtobufError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtobufError';
  }
}

const WIRE_VARINT = 0;
const WIRE_64BIT = 1;
const WIRE_LENGTH = 2;
const WIRE_32BIT = 5;

function varint(value: number): number[] {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new RangeError(`not a uint32: ${value}`);
  const out: number[] = [];
  let rest = value;
  while (rest > 0x7f) {
    out.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
  return out;
}

/** Fields are written in the order given; callers give them by field number, as protobuf's serializers do. */
export function encodeFields(fields: { field: number; value: FieldValue | undefined }[]): Uint8Array {
  const chunks: number[] = [];
  const parts: Uint8Array[] = [];
  const flush = () => {
    if (chunks.length > 0) parts.push(Uint8Array.from(chunks.splice(0)));
  };
  for (const { field, value } of fields) {
    if (value === undefined) continue;
    if (typeof value === 'number') {
      chunks.push(...varint((field << 3) | WIRE_VARINT), ...varint(value));
    } else {
      chunks.push(...varint((field << 3) | WIRE_LENGTH), ...varint(value.length));
      flush();
      parts.push(value);
    }
  }
  flush();
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Reads a varint of at most 10 bytes; returns the value as a number when it fits 2^53, else Infinity. */
function readVarint(data: Uint8Array, start: number): { value: number; next: number } {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    const at = start + i;
    if (at >= data.length) throw new ProtobufError('truncated varint');
    const byte = data[at];
    value += (byte & 0x7f) * scale;
    scale *= 128;
    if ((byte & 0x80) === 0) return { value: value > Number.MAX_SAFE_INTEGER ? Infinity : value, next: at + 1 };
  }
  throw new ProtobufError('varint longer than 10 bytes');
}

/**
 * Decodes the known fields of one message; a repeated singular field keeps its last value (protobuf's
 * rule). Unknown fields of the four plain wire types are skipped; groups (deprecated) are refused.
 */
export function decodeFields(data: Uint8Array, schema: Record<number, FieldKind>, maxLength = 1 << 20): Map<number, FieldValue> {
  if (data.length > maxLength) throw new ProtobufError('message too long');
  const values = new Map<number, FieldValue>();
  let at = 0;
  while (at < data.length) {
    const key = readVarint(data, at);
    at = key.next;
    const field = Math.floor(key.value / 8);
    const wire = key.value % 8;
    if (field < 1 || field > 0x1fffffff) throw new ProtobufError('bad field number');
    const kind = schema[field];
    if (wire === WIRE_VARINT) {
      const v = readVarint(data, at);
      at = v.next;
      if (kind === 'uint32') {
        // proto2 truncates a wider varint to 32 bits; refusing it is stricter and no honest encoder sends one.
        if (v.value > 0xffffffff) throw new ProtobufError(`field ${field} exceeds uint32`);
        values.set(field, v.value);
      } else if (kind === 'bytes') throw new ProtobufError(`field ${field} has wire type varint, expected bytes`);
    } else if (wire === WIRE_LENGTH) {
      const len = readVarint(data, at);
      at = len.next;
      if (len.value > data.length - at) throw new ProtobufError('length beyond the end of the message');
      const value = data.slice(at, at + len.value);
      at += len.value;
      if (kind === 'bytes') values.set(field, value);
      else if (kind === 'uint32') throw new ProtobufError(`field ${field} is length-delimited, expected uint32`);
    } else if (wire === WIRE_64BIT || wire === WIRE_32BIT) {
      if (kind !== undefined) throw new ProtobufError(`field ${field} has a fixed-width wire type`);
      const width = wire === WIRE_64BIT ? 8 : 4;
      if (width > data.length - at) throw new ProtobufError('truncated fixed-width field');
      at += width;
    } else {
      throw new ProtobufError(`wire type ${wire} not supported`);
    }
  }
  return values;
}

export function requireBytes(values: Map<number, FieldValue>, field: number, name: string): Uint8Array {
  const value = values.get(field);
  if (!(value instanceof Uint8Array)) throw new ProtobufError(`required field ${name} missing`);
  return value;
}

export function requireUint32(values: Map<number, FieldValue>, field: number, name: string): number {
  const value = values.get(field);
  if (typeof value !== 'number') throw new ProtobufError(`required field ${name} missing`);
  return value;
}
