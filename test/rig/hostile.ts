// Pieces for the hostile-behaviour test against a real Node-RED process: an echo flow whose
// status changes and caught errors are written to Node-RED's log, and readers of that log.
import { randomBytes } from 'node:crypto';
import type { FlowNode } from './node-red-process';

export interface WatchedAccount {
  jid: string;
  password: string;
  host: string;
  port: number;
  /** Keepalive, in seconds as the config node's fields take them. */
  pingInterval: number;
  pingTimeout: number;
  /** The config node's "Largest message" in KiB; its default (256) when not given. */
  maxStanzaKB?: number;
}

/** A short random hex word. */
export function word(bytes = 4): string {
  return randomBytes(bytes).toString('hex');
}

/**
 * xmpp-in -> function "echo: " -> xmpp-out on one xmpp-config node, plus a Status node and a
 * Catch node, each wired to a debug node that writes the whole msg to Node-RED's console log:
 * every status text and every caught error of the tab lands in the log we read.
 * `name` renames the xmpp-in node, so that a full deploy really changes the flow.
 */
export function watchedEchoFlow(account: WatchedAccount, name = 'chat to the bot'): FlowNode[] {
  const tab = 'hostile-tab';
  const config = 'hostile-config';
  const debugNode = (id: string, label: string, y: number): FlowNode => ({
    id,
    type: 'debug',
    z: tab,
    name: label,
    active: true,
    tosidebar: false,
    console: true,
    tostatus: false,
    complete: 'true',
    targetType: 'full',
    statusVal: '',
    statusType: 'auto',
    x: 500,
    y,
    wires: [],
  });
  return [
    { id: tab, type: 'tab', label: 'hostile', disabled: false, info: '' },
    {
      id: config,
      type: 'xmpp-config',
      name: 'bot account',
      jid: account.jid,
      host: account.host,
      port: String(account.port),
      security: 'none',
      trust: 'system',
      ca: '',
      pin: '',
      show: '',
      status: 'echo bot',
      priority: '0',
      queueCount: '',
      queueKB: '',
      queueAge: '',
      pingInterval: String(account.pingInterval),
      pingTimeout: String(account.pingTimeout),
      maxStanzaKB: account.maxStanzaKB === undefined ? '' : String(account.maxStanzaKB),
      credentials: { password: account.password },
    },
    { id: 'hostile-in', type: 'xmpp-in', z: tab, name, server: config, from: '', msgType: 'chat', bodiless: false, x: 120, y: 60, wires: [['hostile-echo']] },
    {
      id: 'hostile-echo',
      type: 'function',
      z: tab,
      name: 'echo',
      func: "msg.payload = 'echo: ' + msg.payload;\nreturn msg;",
      outputs: 1,
      timeout: 0,
      noerr: 0,
      initialize: '',
      finalize: '',
      libs: [],
      x: 300,
      y: 60,
      wires: [['hostile-out']],
    },
    { id: 'hostile-out', type: 'xmpp-out', z: tab, name: 'reply', server: config, to: '', msgType: 'chat', subject: '', failFast: false, x: 480, y: 60, wires: [] },
    { id: 'hostile-status', type: 'status', z: tab, name: 'statuses', scope: null, x: 120, y: 140, wires: [['hostile-status-log']] },
    debugNode('hostile-status-log', 'status log', 140),
    { id: 'hostile-catch', type: 'catch', z: tab, name: 'errors', scope: null, uncaught: false, x: 120, y: 200, wires: [['hostile-catch-log']] },
    debugNode('hostile-catch-log', 'error log', 200),
  ];
}

/** Lines of Node-RED's log that mean something went wrong in the runtime itself. */
export const RUNTIME_FAILURES = /Uncaught Exception|unhandled ?rejection|Error stopping node/i;

/** The config node logged a completed login (a fresh one or a resumed one). */
export const ONLINE_LINE = /\[info\] \[xmpp-config:[^\]]*\] connected (?:again )?as \S+/;

/** How often a pattern occurs in a text (the pattern itself is left as it is). */
export function occurrences(text: string, pattern: RegExp): number {
  const global = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`);
  return [...text.matchAll(global)].length;
}

/** `<a><a>…text…</a></a>` nested `depth` deep, in a namespace nobody knows. */
export function nested(depth: number, text: string): string {
  return `${'<deep xmlns="urn:example:deep">'.repeat(depth)}${text}${'</deep>'.repeat(depth)}`;
}

/**
 * Waits until `count()` reaches `target`, or has not grown for `quietMs` (the sender is done and
 * nothing more is coming), or `capMs` passed; returns the last count. For floods whose exact
 * outcome is reported, not asserted.
 */
export async function settle(count: () => number, target: number, quietMs: number, capMs: number): Promise<number> {
  const deadline = Date.now() + capMs;
  let last = count();
  let grewAt = Date.now();
  while (last < target && Date.now() < deadline && Date.now() - grewAt < quietMs) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const now = count();
    if (now !== last) grewAt = Date.now();
    last = now;
  }
  return last;
}
