// The flows bench/run.ts deploys: ours (xmpp-config, xmpp-in, xmpp-out, iq-rpc) and the
// official node-red-node-xmpp's (xmpp-server, xmpp in, xmpp out) doing the same jobs. Flows
// report to the bench through an http request node; times come from perf_hooks, which the
// Node-RED processes expose as global "perf_hooks" (settings' functionGlobalContext).
import type { FlowNode } from '../test/rig/node-red-process';

export interface Account {
  jid: string;
  password: string;
  port: number;
}

export type Flavour = 'ours' | 'official';

const NOW = "const perf = global.get('perf_hooks').performance; const now = () => perf.timeOrigin + perf.now();\n";

function fn(id: string, z: string, func: string, wires: string[][], outputs = 1): FlowNode {
  return { id, type: 'function', z, name: id, func, outputs, timeout: 0, noerr: 0, initialize: '', finalize: '', libs: [], x: 300, y: 100, wires };
}

function httpRequest(id: string, z: string): FlowNode {
  return { id, type: 'http request', z, name: id, method: 'POST', ret: 'txt', paytoqs: 'ignore', url: '', tls: '', persist: false, proxy: '', insecureHTTPParser: false, authType: '', senderr: false, headers: [], x: 500, y: 200, wires: [[]] };
}

function inject(id: string, z: string, payload: string, wires: string[][]): FlowNode {
  return { id, type: 'inject', z, name: id, props: [{ p: 'payload' }], repeat: '', crontab: '', once: false, onceDelay: 0.1, topic: '', payload, payloadType: 'str', x: 100, y: 100, wires };
}

function config(flavour: Flavour, id: string, account: Account): FlowNode {
  if (flavour === 'official') {
    return { id, type: 'xmpp-server', server: '127.0.0.1', port: String(account.port), user: account.jid, nickname: '', resource: '', credentials: { password: account.password } };
  }
  return {
    id,
    type: 'xmpp-config',
    // Not the id: Node-RED takes any property equal to a config node's id for a reference to it.
    name: account.jid.split('@')[0],
    jid: account.jid,
    host: '127.0.0.1',
    port: String(account.port),
    security: 'none',
    trust: 'system',
    subscriptions: 'flow',
    show: '',
    status: '',
    priority: '0',
    credentials: { password: account.password },
  };
}

function xmppIn(flavour: Flavour, id: string, z: string, server: string, wires: string[][]): FlowNode {
  if (flavour === 'official') return { id, type: 'xmpp in', z, name: id, server, to: '', join: false, x: 100, y: 100, wires: [...wires, []] };
  // The per-sender limit is off: the bench floods from one sender on purpose.
  return { id, type: 'xmpp-in', z, name: id, server, from: '', msgType: 'chat', bodiless: false, presence: false, rateLimit: false, x: 100, y: 100, wires };
}

function xmppOut(flavour: Flavour, id: string, z: string, server: string, to: string): FlowNode {
  if (flavour === 'official') return { id, type: 'xmpp out', z, name: id, server, to, join: false, sendObject: false, x: 500, y: 100, wires: [] };
  return { id, type: 'xmpp-out', z, name: id, server, to, msgType: 'chat', subject: '', x: 500, y: 100, wires: [] };
}

/** A function sending n msgs "<run>:<i>" (asked for by a payload "<run>|<n>") in batches that let Node-RED breathe. */
const GENERATE = `const [run, count] = String(msg.payload).split('|');
const n = Number(count);
let i = 0;
const batch = () => {
  const end = Math.min(n, i + 500);
  for (; i < end; i += 1) node.send({ payload: run + ':' + i });
  if (i < n) setTimeout(batch, 0);
};
batch();
return null;`;

/** A function counting "<run>:<i>" payloads (order too) that reports to `reportUrl` once n arrived. */
function counter(n: number, reportUrl: string): string {
  return `${NOW}const [run, index] = String(msg.payload).split(':');
let s = flow.get('s');
if (!s || s.run !== run) { s = { run, count: 0, next: 0, outOfOrder: 0 }; flow.set('s', s); }
s.count += 1;
if (Number(index) !== s.next) s.outOfOrder += 1;
s.next = Number(index) + 1;
if (s.count === ${n}) return { url: ${JSON.stringify(reportUrl)} + 'count-' + run, payload: { count: s.count, outOfOrder: s.outOfOrder, at: now() } };
return null;`;
}

/** inject ("<run>|<n>") → a function sending n messages "<run>:<i>" in batches that let Node-RED breathe → xmpp out. */
export function sendFlow(flavour: Flavour, prefix: string, account: Account, to: string): { nodes: FlowNode[]; trigger: string } {
  const z = `${prefix}-send-tab`;
  const func = GENERATE;
  return {
    trigger: `${prefix}-send-go`,
    nodes: [
      { id: z, type: 'tab', label: `${flavour} send`, disabled: false, info: '' },
      config(flavour, `${prefix}-send-account`, account),
      inject(`${prefix}-send-go`, z, '0', [[`${prefix}-send-fn`]]),
      fn(`${prefix}-send-fn`, z, func, [[`${prefix}-send-out`]]),
      xmppOut(flavour, `${prefix}-send-out`, z, `${prefix}-send-account`, to),
    ],
  };
}

/**
 * xmpp in → a function counting "<run>:<i>" bodies (order too) that reports once n arrived;
 * an inject reports the count so far (`peek`), for a run that lost messages.
 */
export function countFlow(flavour: Flavour, prefix: string, account: Account, n: number, reportUrl: string): { nodes: FlowNode[]; peek: string } {
  const z = `${prefix}-count-tab`;
  const count = counter(n, reportUrl);
  const peek = `const s = flow.get('s') || { run: '', count: 0, outOfOrder: 0 };
return { url: ${JSON.stringify(reportUrl)} + 'peek-' + s.run, payload: { count: s.count, outOfOrder: s.outOfOrder } };`;
  return {
    peek: `${prefix}-count-peek`,
    nodes: [
      { id: z, type: 'tab', label: `${flavour} count`, disabled: false, info: '' },
      config(flavour, `${prefix}-count-account`, account),
      xmppIn(flavour, `${prefix}-count-in`, z, `${prefix}-count-account`, [[`${prefix}-count-fn`]]),
      fn(`${prefix}-count-fn`, z, count, [[`${prefix}-count-report`]]),
      inject(`${prefix}-count-peek`, z, '', [[`${prefix}-count-peek-fn`]]),
      fn(`${prefix}-count-peek-fn`, z, peek, [[`${prefix}-count-report`]]),
      httpRequest(`${prefix}-count-report`, z),
    ],
  };
}

/**
 * Node-RED alone: the counting function of countFlow fed the same msgs by a function node, no
 * XMPP at all. Its CPU time is what Node-RED itself costs to carry the msgs (and make them).
 */
export function floorFlow(prefix: string, n: number, reportUrl: string): { nodes: FlowNode[]; trigger: string } {
  const z = `${prefix}-floor-tab`;
  return {
    trigger: `${prefix}-floor-go`,
    nodes: [
      { id: z, type: 'tab', label: 'Node-RED alone', disabled: false, info: '' },
      inject(`${prefix}-floor-go`, z, '0', [[`${prefix}-floor-gen`]]),
      fn(`${prefix}-floor-gen`, z, GENERATE, [[`${prefix}-floor-count`]]),
      fn(`${prefix}-floor-count`, z, counter(n, reportUrl), [[`${prefix}-floor-report`]]),
      httpRequest(`${prefix}-floor-report`, z),
    ],
  };
}

/** xmpp in → "echo: " + payload → xmpp out, back to the sender. */
export function echoFlow(flavour: Flavour, prefix: string, account: Account): FlowNode[] {
  const z = `${prefix}-echo-tab`;
  return [
    { id: z, type: 'tab', label: `${flavour} echo`, disabled: false, info: '' },
    config(flavour, `${prefix}-echo-account`, account),
    xmppIn(flavour, `${prefix}-echo-in`, z, `${prefix}-echo-account`, [[`${prefix}-echo-fn`]]),
    fn(`${prefix}-echo-fn`, z, "msg.payload = 'echo: ' + msg.payload;\nreturn msg;", [[`${prefix}-echo-out`]]),
    xmppOut(flavour, `${prefix}-echo-out`, z, `${prefix}-echo-account`, ''),
  ];
}

/**
 * A loop inside the flow: inject ("<run>|<n>") → start → iq-rpc (call "echo" on `to`) → step, which takes
 * the time of each call with perf_hooks and calls again until n are done, then reports the
 * samples. A Catch node reports the first failure.
 */
/**
 * A loop timing each iq-rpc call inside the flow. With `alone`, a function passing the msg on
 * stands where iq-rpc was: what the loop itself (two hops between nodes) costs in Node-RED.
 */
export function rpcLoopFlow(account: Account, to: string, reportUrl: string, alone = false): { nodes: FlowNode[]; trigger: string } {
  const z = 'rpc-tab';
  const start = `${NOW}const [run, count] = String(msg.payload).split('|');
flow.set('loop', { run, n: Number(count), i: 0, samples: [], t0: now() });
return { payload: ['c0'] };`;
  const step = `${NOW}const loop = flow.get('loop');
loop.samples.push(now() - loop.t0);
loop.i += 1;
if (loop.i < loop.n) {
  loop.t0 = now();
  return [{ payload: ['c' + loop.i] }, null];
}
return [null, { url: ${JSON.stringify(reportUrl)} + 'rpc-' + loop.run, payload: { samples: loop.samples } }];`;
  const failed = `return { url: ${JSON.stringify(reportUrl)} + 'rpc-error', payload: { error: String(msg.error && msg.error.message) } };`;
  return {
    trigger: 'rpc-go',
    nodes: [
      { id: z, type: 'tab', label: 'iq-rpc loop', disabled: false, info: '' },
      config('ours', 'rpc-account', account),
      inject('rpc-go', z, '0', [['rpc-start']]),
      fn('rpc-start', z, start, [['rpc-call']]),
      alone ? fn('rpc-call', z, 'return msg;', [['rpc-step']]) : {
        id: 'rpc-call',
        type: 'iq-rpc',
        z,
        name: 'rpc-call',
        server: 'rpc-account',
        mode: 'call',
        to,
        method: 'echo',
        methods: '',
        access: 'listed',
        callers: '',
        maxPerCaller: 10,
        maxPending: 100,
        timeout: 10,
        faultOutput: false,
        nil: true,
        iqType: 'get',
        xml: '',
        outputs: 1,
        x: 300,
        y: 100,
        wires: [['rpc-step']],
      },
      fn('rpc-step', z, step, [['rpc-call'], ['rpc-report']], 2),
      { id: 'rpc-catch', type: 'catch', z, name: '', scope: null, uncaught: false, x: 100, y: 200, wires: [['rpc-failed']] },
      fn('rpc-failed', z, failed, [['rpc-report']]),
      httpRequest('rpc-report', z),
    ],
  };
}
