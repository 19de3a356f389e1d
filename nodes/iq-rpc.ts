// iq-rpc: XEP-0009 Jabber-RPC in both directions, and raw IQ requests.
//
// call:  each msg calls a method (node field or msg.method) on a full JID (msg.to or the node's JID)
//        with msg.payload as the params; the result replaces msg.payload. A fault fails the msg
//        (faultCode/faultString on the error) or, with "faults to output 2", goes out there.
// serve: the node serves an allowlist of method names to the listed callers (nobody unless listed,
//        or anyone when chosen). Each call comes out as a msg with a reply handle (msg._rpc.id);
//        the flow sends it to an iq-rpc node in "reply" mode with the result in msg.payload, or
//        msg.fault. Pending calls live in a map shared by all iq-rpc nodes, like HTTP In / HTTP
//        Response; the connection bounds how many wait at once. No reply within the timeout
//        answers a fault (-32000).
// reply: answers the call named by msg._rpc.id; a result that cannot be sent fails the msg.
// raw:   an IQ get/set with a child element the flow gives; the answer as XML text and a plain object.
//
// Nothing from a call is ever evaluated or executed: params are data for the flow.
import { randomBytes } from 'node:crypto';
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { BurstLog, type BurstLine } from './core/burst-log';
import type { XmppError } from './core/errors';
import type { RpcRespond } from './core/rpc/rpc-server';
import type { RpcCall, RpcOutcome } from './core/rpc/rpc-stanza';
import type { Refusal } from './core/pending-limit';
import { FAULT, FAULT_TEXT } from './core/rpc/rpc-faults';
import { clientOf, connectionOf, type XmppConnection } from './lib/connection';
import { describeError, nodeError } from './lib/node-error';
import { NodeListeners } from './lib/node-listeners';
import { OwnStatus } from './lib/own-status';
import type { Translate } from './lib/status-text';
import { listOf, noReplyFault, readCallMsg, readRawMsg, readReply, timeoutOf } from './lib/rpc-msg';
import { readServing, type ServingFields } from './lib/serving';

interface IqRpcDef extends NodeDef, ServingFields {
  server: string;
  /** 'call' | 'serve' | 'reply' | 'raw'. */
  mode: string;
  to: string;
  method: string;
  /** serve: comma separated method names. */
  methods: string;
  /** serve: comma separated bare JIDs or domains (with access 'listed', the default; empty: nobody). */
  callers: string;
  /** Seconds: the call's wait (call, raw) or the flow's time to reply (serve). */
  timeout: string | number;
  /** call: faults go to output 2 instead of failing the msg. */
  faultOutput: boolean;
  /** Write null as <nil/> (default on). */
  nil: boolean;
  /** raw: 'get' | 'set'. */
  iqType: string;
  /** raw: the child element as XML text. */
  xml: string;
}

type Done = (err?: Error) => void;
type Send = (msg: NodeMessage | (NodeMessage | null)[]) => void;

interface PendingCall {
  owner: string;
  /** Answers the caller; returns the error when the outcome cannot be sent. */
  settle: RpcRespond;
}

/** Every served call waiting for the flow's reply, by msg._rpc.id, across all iq-rpc nodes. */
const pending = new Map<string, PendingCall>();

function replyIdOf(msg: Record<string, unknown>): string | undefined {
  const handle = msg._rpc;
  if (typeof handle !== 'object' || handle === null) return undefined;
  const id = (handle as Record<string, unknown>).id;
  return typeof id === 'string' ? id : undefined;
}

export = function register(RED: NodeAPI): void {
  function IqRpc(this: Node, def: IqRpcDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const connection = connectionOf((id) => RED.nodes.getNode(id), def.server);
    if (!connection) {
      node.status({ fill: 'red', shape: 'ring', text: RED._('iq-rpc.status.no-config') });
      node.error(RED._('iq-rpc.status.no-config'));
      node.on('input', (_msg: NodeMessageInFlow, _send: Send, done: Done) => done(new Error(RED._('iq-rpc.status.no-config'))));
      return;
    }
    const conn: XmppConnection = connection;
    const mode = ['call', 'serve', 'reply', 'raw'].includes(def.mode) ? def.mode : 'call';
    const codec = { nil: def.nil !== false };

    const t: Translate = (key, substitutions) => RED._(key, substitutions);
    const fail = (error: unknown): Error => nodeError(t, error, 'iq-rpc');

    const held = new NodeListeners();
    // The node's own word over the connection's status (a config problem, nobody let in).
    let ownStatus: OwnStatus | undefined;
    // Under a flood these would be one line per call: the first at once, then a count per minute.
    const noReplies = new BurstLog<{ method: string; from: string; seconds: number }>((line) =>
      node.warn(line.kind === 'first' ? RED._('iq-rpc.warning.no-reply', line.detail) : RED._('iq-rpc.warning.no-reply-more', { count: line.count, seconds: Math.round(line.sinceMs / 1000) })),
    );
    held.add(() => noReplies.close());
    if (mode === 'serve') {
      const methods = listOf(def.methods);
      const serving = readServing(def);
      if (methods.length === 0) {
        ownStatus = new OwnStatus(node, () => ({ fill: 'red', shape: 'ring', text: RED._('iq-rpc.status.no-methods') }));
        node.error(RED._('iq-rpc.error.no-methods'));
      } else {
        if (serving.nobody) {
          node.warn(RED._('iq-rpc.warning.nobody'));
          ownStatus = new OwnStatus(node, () => ({ fill: 'yellow', shape: 'ring', text: RED._('iq-rpc.status.nobody') }));
        }
        held.add(conn.client?.rpc.serve(methods, serving.access, (call, from, respond) => ask(call, from, respond), { codec, limits: serving.limits, onRefused: (line) => warnRefused(line) }));
      }
    }

    function warnRefused(line: BurstLine<Refusal>): void {
      if (line.kind === 'more') {
        node.warn(RED._('iq-rpc.warning.busy-more', { count: line.count, seconds: Math.round(line.sinceMs / 1000) }));
        return;
      }
      const { bound, limit, caller } = line.detail;
      node.warn(RED._(bound === 'caller' ? 'iq-rpc.warning.busy-caller' : 'iq-rpc.warning.busy-total', { limit, caller }));
    }

    /** The Error for a reply the caller could not be given (the caller got fault -32603 instead). */
    const unsendable = (error: XmppError): Error => Object.assign(new Error(RED._('iq-rpc.error.unsendable', { detail: describeError(t, error) })), { code: error.code });

    /** Sends a served call into the flow; its reply (or a fault after the timeout) goes to `respond`. */
    function ask(call: RpcCall, from: string, respond: RpcRespond): void {
      const id = randomBytes(9).toString('base64url');
      const timeoutMs = timeoutOf(undefined, def.timeout);
      const timer = setTimeout(() => {
        noReplies.note({ method: call.method, from, seconds: timeoutMs / 1000 });
        settle({ fault: noReplyFault(timeoutMs / 1000) });
      }, timeoutMs);
      const settle: RpcRespond = (outcome) => {
        if (!pending.delete(id)) return undefined;
        clearTimeout(timer);
        return respond(outcome);
      };
      pending.set(id, { owner: node.id, settle });
      const msg = { payload: call.params, method: call.method, from, topic: call.method, _rpc: { id } };
      node.send(msg as NodeMessage);
    }

    node.on('input', (msg: NodeMessageInFlow, send: Send, done: Done) => {
      const fields = msg as unknown as Record<string, unknown>;
      if (mode === 'serve') {
        // A serve node only emits calls; a msg sent into it is a reply when it carries a handle.
        if (replyIdOf(fields) === undefined) {
          done(Object.assign(new Error(RED._('iq-rpc.error.serve-input')), { code: 'serve-input' }));
          return;
        }
      }
      if (mode === 'serve' || mode === 'reply') {
        const id = replyIdOf(fields);
        const waiting = id === undefined ? undefined : pending.get(id);
        if (!waiting) {
          done(Object.assign(new Error(RED._('iq-rpc.error.no-pending')), { code: 'no-pending' }));
          return;
        }
        let outcome: RpcOutcome;
        try {
          outcome = readReply(fields);
        } catch (error) {
          waiting.settle({ fault: { faultCode: FAULT.internal, faultString: FAULT_TEXT.invalidFault } });
          done(fail(error));
          return;
        }
        // Encoded and measured now: what XML cannot carry or the server would refuse is never sent.
        const refused = waiting.settle(outcome);
        done(refused ? unsendable(refused) : undefined);
        return;
      }
      if (mode === 'raw') {
        let request;
        try {
          request = readRawMsg(fields, { to: def.to, iqType: def.iqType, xml: def.xml, timeout: def.timeout });
        } catch (error) {
          done(fail(error));
          return;
        }
        // No target: our server (an IQ without "to" would go to our own account instead).
        const to = request.to ?? conn.jid.split('@').pop()?.split('/')[0];
        const raw = request;
        Promise.resolve()
          .then(() => clientOf(conn).iq.request(to, raw.type, raw.child, raw.timeoutMs))
          .then(
          (answer) => {
            msg.payload = answer.element ?? null;
            Object.assign(fields, { xml: answer.xml, stanza: answer.stanza });
            send(msg);
            done();
          },
          (error: unknown) => done(fail(error)),
        );
        return;
      }
      let call;
      try {
        call = readCallMsg(fields, { method: def.method, to: def.to, timeout: def.timeout });
      } catch (error) {
        done(fail(error));
        return;
      }
      const asked = call;
      Promise.resolve()
        .then(() => clientOf(conn).rpc.call(asked.to, asked.method, asked.params, asked.timeoutMs, codec))
        .then(
        (result) => {
          msg.payload = result;
          send(def.faultOutput ? [msg, null] : msg);
          done();
        },
        (error: unknown) => {
          const failure = fail(error);
          const code = (failure as Error & { code?: string }).code;
          if (def.faultOutput && code === 'rpc-fault') {
            const { faultCode, faultString } = failure as Error & { faultCode: number; faultString: string };
            msg.payload = { faultCode, faultString };
            send([null, msg]);
            done();
            return;
          }
          if (code === 'rpc-fault') {
            // A Catch node copies only message and code from the Error: the fault rides on the msg.
            const { faultCode, faultString } = failure as Error & { faultCode: number; faultString: string };
            Object.assign(fields, { fault: { faultCode, faultString } });
          }
          done(failure);
        },
      );
    });

    conn.register(node, ownStatus?.sink);

    node.on('close', (removed: boolean, finished: () => void) => {
      // Calls this node put into the flow are answered with a fault rather than left waiting.
      for (const waiting of [...pending.values()]) if (waiting.owner === node.id) waiting.settle({ fault: { faultCode: FAULT.timeout, faultString: FAULT_TEXT.servingStopped } });
      held.end();
      ownStatus?.close();
      conn.deregister(node, removed).then(finished, finished);
    });
  }

  RED.nodes.registerType('iq-rpc', IqRpc as unknown as Parameters<NodeAPI['nodes']['registerType']>[1]);
};
