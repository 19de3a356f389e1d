// The addresses one socket tried and how each try ended, from the events Node emits while it
// connects (with autoSelectFamily, for each address of the host in turn: RFC 8305's happy eyeballs).
import type { EventEmitter } from 'node:events';
import { failedAt, hostPort, type TriedAddress } from './tried-addresses';

/** Gave up waiting: what is still connecting counts as timed out. */
export const GAVE_UP: unknown = Object.freeze({ code: 'ETIMEDOUT' });

export class AttemptLog {
  /** By address, in the order tried; undefined while that try goes on. */
  private readonly attempts = new Map<string, TriedAddress | undefined>();
  private lookupError: unknown;
  /** The address the socket connected to (TCP), if any. */
  private connected: string | undefined;
  /** The socket's own error (TLS, a reset), which comes before the close that may end the try. */
  private socketError: unknown;

  /** `name` is host:port as configured or found, for a name that had no address. */
  constructor(
    socket: EventEmitter,
    private readonly name: string,
  ) {
    socket.on('lookup', (error: unknown) => {
      if (error) this.lookupError = error;
    });
    socket.on('connectionAttempt', (ip: string, port: number) => this.attempts.set(hostPort(ip, port), undefined));
    socket.on('connectionAttemptFailed', (ip: string, port: number, _family: number, error: unknown) => this.settle(hostPort(ip, port), error));
    socket.on('connectionAttemptTimeout', (ip: string, port: number) => this.settle(hostPort(ip, port), GAVE_UP));
    socket.on('connect', () => {
      this.connected = [...this.attempts].find(([, ended]) => ended === undefined)?.[0];
    });
    socket.on('error', (error: unknown) => (this.socketError ??= error));
  }

  /**
   * Every address tried and how it ended; `cause` is why the whole try ended, for the address
   * still open (connected, or still connecting when we gave up).
   */
  failures(cause: unknown): TriedAddress[] {
    if (this.lookupError !== undefined) return [{ ...failedAt(this.name, this.lookupError), outcome: 'not-found' }];
    const open = this.connected && cause === GAVE_UP ? { code: 'TimeoutError' } : (this.socketError ?? cause);
    const tried = [...this.attempts].map(([address, ended]) => ended ?? failedAt(address, address === this.connected ? open : cause));
    return tried.length > 0 ? tried : [failedAt(this.name, this.socketError ?? cause)];
  }

  private settle(address: string, error: unknown): void {
    if (this.attempts.get(address) === undefined) this.attempts.set(address, failedAt(address, error));
  }
}
