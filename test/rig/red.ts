// node-red-node-test-helper, typed for what these tests use: the real Node-RED runtime in-process.
import type { Node, NodeStatus } from 'node-red';

interface SpyCall {
  thisValue: unknown;
  args: unknown[];
}

interface Spy {
  getCalls(): SpyCall[];
}

export interface FlowNode {
  id: string;
  type: string;
  z?: string;
  wires?: string[][];
  [key: string]: unknown;
}

export type Credentials = Record<string, Record<string, string>>;
type NodeModule = (red: unknown) => void;

interface Helper {
  init(runtimePath: string, settings?: Record<string, unknown>): void;
  /** Replaces the runtime settings the next load gives the nodes (merged with Node-RED's defaults). */
  settings(settings: Record<string, unknown>): Record<string, unknown>;
  startServer(done: (err?: unknown) => void): void;
  stopServer(done: (err?: unknown) => void): void;
  load(nodes: NodeModule[], flow: FlowNode[], credentials: Credentials): Promise<void>;
  unload(): Promise<void>;
  getNode(id: string): (Node & { status: Spy; error: Spy; warn: Spy }) | null;
  setFlows(flow: FlowNode[], type: 'full' | 'flows' | 'nodes', credentials?: Credentials): Promise<void>;
  _redNodes: {
    setFlows(flow: FlowNode[], credentials: Credentials, type: string): Promise<unknown>;
    stopFlows(): Promise<void>;
    startFlows(): Promise<void>;
  };
  _events: NodeJS.EventEmitter;
}

export const helper = require('node-red-node-test-helper') as Helper;
helper.init(require.resolve('node-red'), { logging: { console: { level: 'off' } } });

export const nodes: NodeModule[] = [
  require('../../nodes/xmpp-config') as NodeModule,
  require('../../nodes/xmpp-in') as NodeModule,
  require('../../nodes/xmpp-out') as NodeModule,
  require('../../nodes/presence-gate') as NodeModule,
  require('../../nodes/disco-query') as NodeModule,
  require('../../nodes/iq-rpc') as NodeModule,
  require('../../nodes/xmpp-command') as NodeModule,
];

export function getNode(id: string): Node & { status: Spy; error: Spy; warn: Spy } {
  const node = helper.getNode(id);
  if (!node) throw new Error(`no node ${id}`);
  return node;
}

/** The last status the node was given, or undefined. */
export function lastStatus(id: string): NodeStatus | undefined {
  const node = helper.getNode(id);
  if (!node) return undefined;
  const calls = node.status.getCalls().filter((call) => call.thisValue === node);
  return calls.at(-1)?.args[0] as NodeStatus | undefined;
}

/** Deploys a new flow configuration and waits until the runtime has started it. */
export async function deploy(flow: FlowNode[], type: 'full' | 'flows' | 'nodes', credentials: Credentials = {}): Promise<void> {
  const started = new Promise<void>((resolve) => helper._events.once('flows:started', () => resolve()));
  await helper._redNodes.setFlows(flow, credentials, type);
  await started;
}

export function startServer(): Promise<void> {
  return new Promise((resolve, reject) => helper.startServer((err) => (err ? reject(err) : resolve())));
}

export function stopServer(): Promise<void> {
  return new Promise((resolve, reject) => helper.stopServer((err) => (err ? reject(err) : resolve())));
}

/** An xmpp-config node for the test Prosody: plain TCP on loopback. */
export function configNode(id: string, jid: string, port: number, extra: Record<string, string> = {}): FlowNode {
  return { id, type: 'xmpp-config', jid, host: '127.0.0.1', port: String(port), security: 'none', show: '', status: '', priority: '0', ...extra };
}

/** Node-RED's own function node, for flows that need one. */
export const functionNode = require('@node-red/nodes/core/function/10-function.js') as NodeModule;
