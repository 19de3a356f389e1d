// A small DNS server for tests: UDP on 127.0.0.1, answering SRV, A and AAAA questions from a
// table the test sets (and may change between tests), and noting every question it was asked.
// The wire format (RFC 1035 4, RFC 2782, RFC 3596) is written here; nothing leaves the machine.
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';

export interface SrvAnswer {
  priority: number;
  weight: number;
  port: number;
  /** "." says the service is decidedly not available (RFC 2782). */
  target: string;
}

export interface DnsName {
  srv?: SrvAnswer[];
  a?: string[];
  aaaa?: string[];
}

/** By name (lower case, no trailing dot). A name not in the table gets NXDOMAIN. */
export type DnsTable = Record<string, DnsName>;

const TYPE = { A: 1, AAAA: 28, SRV: 33 } as const;
const TYPE_NAMES: Record<number, string> = { 1: 'A', 28: 'AAAA', 33: 'SRV' };
const CLASS_IN = 1;
const NXDOMAIN = 3;
const NOTIMP = 4;

function encodeName(name: string): Buffer {
  const labels = name.replace(/\.$/, '').split('.').filter((label) => label !== '');
  return Buffer.concat([...labels.map((label) => Buffer.concat([Buffer.from([label.length]), Buffer.from(label, 'ascii')])), Buffer.from([0])]);
}

function ipv4Bytes(address: string): Buffer {
  return Buffer.from(address.split('.').map(Number));
}

function ipv6Bytes(address: string): Buffer {
  const [head = '', tail] = address.split('::');
  const front = head === '' ? [] : head.split(':');
  const back = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? front : [...front, ...new Array<string>(8 - front.length - back.length).fill('0'), ...back];
  const bytes = Buffer.alloc(16);
  groups.forEach((group, index) => bytes.writeUInt16BE(parseInt(group, 16), index * 2));
  return bytes;
}

function record(type: number, data: Buffer): Buffer {
  const fixed = Buffer.alloc(12);
  fixed.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question's
  fixed.writeUInt16BE(type, 2);
  fixed.writeUInt16BE(CLASS_IN, 4);
  fixed.writeUInt32BE(60, 6);
  fixed.writeUInt16BE(data.length, 10);
  return Buffer.concat([fixed, data]);
}

function srvData(answer: SrvAnswer): Buffer {
  const fixed = Buffer.alloc(6);
  fixed.writeUInt16BE(answer.priority, 0);
  fixed.writeUInt16BE(answer.weight, 2);
  fixed.writeUInt16BE(answer.port, 4);
  return Buffer.concat([fixed, encodeName(answer.target)]);
}

interface Question {
  name: string;
  type: number;
  /** Where the question ends in the query. */
  end: number;
}

function readQuestion(query: Buffer): Question | undefined {
  const labels: string[] = [];
  let at = 12;
  while (at < query.length) {
    const length = query[at] ?? 0;
    if (length === 0) break;
    if (length > 63) return undefined; // no compression in a question
    labels.push(query.subarray(at + 1, at + 1 + length).toString('ascii'));
    at += 1 + length;
  }
  if (at + 5 > query.length) return undefined;
  return { name: labels.join('.').toLowerCase(), type: query.readUInt16BE(at + 1), end: at + 5 };
}

export class DnsServer {
  /** What the server answers; replace or change it between tests. */
  table: DnsTable = {};
  /** Every question asked, as "TYPE name", in order. */
  readonly asked: string[] = [];

  private constructor(
    private readonly socket: Socket,
    readonly port: number,
  ) {
    socket.on('message', (query, from) => this.answer(query, from));
  }

  static start(): Promise<DnsServer> {
    const socket = createSocket('udp4');
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, '127.0.0.1', () => resolve(new DnsServer(socket, socket.address().port)));
    });
  }

  /** For SessionOptions.dnsServers. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** The questions asked about one name, by type ("SRV", "A", "AAAA"). */
  askedAbout(name: string): string[] {
    return this.asked.filter((entry) => entry.endsWith(` ${name}`)).map((entry) => entry.split(' ')[0] as string);
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }

  private answer(query: Buffer, from: RemoteInfo): void {
    if (query.length < 12) return;
    const question = readQuestion(query);
    if (!question) return;
    this.asked.push(`${TYPE_NAMES[question.type] ?? question.type} ${question.name}`);
    const entry = this.table[question.name];
    const answers = entry ? this.records(entry, question.type) : [];
    const supported = Object.values(TYPE).includes(question.type as 1 | 28 | 33);
    const header = Buffer.alloc(12);
    header.writeUInt16BE(query.readUInt16BE(0), 0);
    const opcode = query.readUInt16BE(2) & 0x7800;
    const recursionDesired = query.readUInt16BE(2) & 0x0100;
    const rcode = !supported ? NOTIMP : entry ? 0 : NXDOMAIN;
    // A response (QR), authoritative (AA), recursion available (RA).
    header.writeUInt16BE(0x8000 | opcode | 0x0400 | recursionDesired | 0x0080 | rcode, 2);
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answers.length, 6);
    const response = Buffer.concat([header, query.subarray(12, question.end), ...answers]);
    this.socket.send(response, from.port, from.address);
  }

  private records(entry: DnsName, type: number): Buffer[] {
    if (type === TYPE.SRV) return (entry.srv ?? []).map((answer) => record(TYPE.SRV, srvData(answer)));
    if (type === TYPE.A) return (entry.a ?? []).map((address) => record(TYPE.A, ipv4Bytes(address)));
    if (type === TYPE.AAAA) return (entry.aaaa ?? []).filter((address) => isIPv6(address)).map((address) => record(TYPE.AAAA, ipv6Bytes(address)));
    return [];
  }
}
