// One login with the core client, to see how it ends: online (with the SASL mechanism used) or
// failed, how long it took, and every state on the way. For any server of the rig.
import { EventEmitter } from 'node:events';
import type { XmppClient } from '../../nodes/core/client';
import type { SessionStatus } from '../../nodes/core/session/session';
import type { Security } from '../../nodes/core/session/server-address';
import { coreClient } from './core-client';
import { waitFor } from './peer';

export interface LoginServer {
  port: number;
  tlsPort: number;
  fingerprint256: string;
}

export interface Login {
  status: SessionStatus;
  ms: number;
  /** With loginTwice: the first login's time (a server just started warms up on it). */
  firstMs?: number;
  states: string[];
}

/** Starts a session and waits for it to be online or failed; stops it either way. */
export async function login(server: LoginServer, security: Security, user = 'bot', password = 'bot-pw', port = security === 'tls' ? server.tlsPort : server.port): Promise<Login> {
  const client: XmppClient = coreClient({
    jid: { local: user, domain: 'localhost', resource: 'login' },
    password,
    security,
    port,
    trust: { mode: 'pin', pin: server.fingerprint256 },
    backoff: { initialMs: 200, maxMs: 1000, stableMs: 30_000 },
  });
  const events = new EventEmitter();
  const states: string[] = [];
  client.onStatus((status) => {
    states.push(status.error ? `${status.state}:${status.error.code}` : status.state);
    events.emit('status', status);
  });
  const started = Date.now();
  const settled = waitFor(events, 'status', (s: SessionStatus) => (s.state === 'online' || s.state === 'failed' ? s : undefined), 15_000, 'online or failed');
  client.start();
  try {
    const status = await settled;
    return { status, ms: Date.now() - started, states };
  } finally {
    await client.stop();
  }
}


/** Two logins, each by a new client (no salted password kept): the second's outcome, with both times. */
export async function loginTwice(server: LoginServer, security: Security): Promise<Login> {
  const first = await login(server, security);
  if (first.status.state !== 'online') return first;
  return { ...(await login(server, security)), firstMs: first.ms };
}

/** "SCRAM-SHA-1 in 15 ms (first 120 ms)". */
export function described(result: Login): string {
  const first = result.firstMs === undefined ? '' : ` (first login after the server started: ${result.firstMs} ms)`;
  return `${result.status.mechanism ?? result.status.error?.code ?? '-'} in ${result.ms} ms${first}`;
}
