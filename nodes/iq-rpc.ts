// iq-rpc: XEP-0009 Jabber-RPC in both directions, and raw IQ requests.
//
// call:  each msg calls a method (node field or msg.method) on a full JID (msg.to or the node's JID)
//        with msg.payload as the params; the result replaces msg.payload. A fault fails the msg
//        (faultCode/faultString on the error) or, with "faults to output 2", goes out there.
// serve: the node serves an allowlist of method names. Each call comes out as a msg with a reply
//        handle (msg._rpc.id); the flow sends it to an iq-rpc node in "reply" mode with the result
//        in msg.payload, or msg.fault. Pending calls live in a map shared by all iq-rpc nodes,
//        like HTTP In / HTTP Response. No reply within the timeout answers a fault (-32000).
// reply: answers the call named by msg._rpc.id.
// raw:   an IQ get/set with a child element the flow gives; the answer as XML text and a plain object.
//
// Nothing from a call is ever evaluated or executed: params are data for the flow.
import { randomBytes } from 'node:crypto';
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import type { RpcCall, RpcOutcome } from './core/jabber-rpc';
import { connectionOf, type XmppConnection } from './lib/connection';
import { RpcMsgError, listOf, noReplyFault, readCallMsg, readRawMsg, readReply, timeoutOf } from './lib/rpc-msg';

interface IqRpcDef extends NodeDef {
  server: string;
  /** 'call' | 'serve' | 'reply' | 'raw'. */
  mode: string;
  to: string;
  method: string;
  /** serve: comma separated method names. */
  methods: string;
  /** serve: comma separated bare JIDs or domains; empty: anyone. */
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
  settle: (outcome: RpcOutcome) => void;
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

    const fail = (error: unknown): Error => {
      if (error instanceof RpcMsgError) {
        return Object.assign(new Error(RED._(`iq-rpc.error.${error.code}`, { detail: error.detail }).replace(/ \(\)$/, '')), { code: error.code });
      }
      return conn.fail(error);
    };

    const undo: (() => void)[] = [];
    if (mode === 'serve') {
      const methods = listOf(def.methods);
      if (methods.length === 0) {
        node.status({ fill: 'red', shape: 'ring', text: RED._('iq-rpc.status.no-methods') });
        node.error(RED._('iq-rpc.error.no-methods'));
      } else {
        undo.push(conn.rpcServe(methods, listOf(def.callers), (call, from) => ask(call, from), codec));
      }
    }

    /** Sends a served call into the flow and resolves with its reply, or a fault after the timeout. */
    function ask(call: RpcCall, from: string): Promise<RpcOutcome> {
      const id = randomBytes(9).toString('base64url');
      const timeoutMs = timeoutOf(undefined, def.timeout);
      return new Promise<RpcOutcome>((resolve) => {
        const timer = setTimeout(() => {
          node.warn(RED._('iq-rpc.warning.no-reply', { method: call.method, from, seconds: timeoutMs / 1000 }));
          settle({ fault: noReplyFault(timeoutMs / 1000) });
        }, timeoutMs);
        const settle = (outcome: RpcOutcome): void => {
          if (!pending.delete(id)) return;
          clearTimeout(timer);
          resolve(outcome);
        };
        pending.set(id, { owner: node.id, settle });
        const msg = { payload: call.params, method: call.method, from, topic: call.method, _rpc: { id } };
        node.send(msg as NodeMessage);
      });
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
          waiting.settle({ fault: { faultCode: -32603, faultString: 'the flow gave an invalid fault' } });
          done(fail(error));
          return;
        }
        waiting.settle(outcome);
        done();
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
        conn.rawIq(to, request.type, request.child, request.timeoutMs).then(
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
      conn.rpcCall(call.to, call.method, call.params, call.timeoutMs, codec).then(
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

    conn.register(node);

    node.on('close', (removed: boolean, finished: () => void) => {
      for (const remove of undo) remove();
      // Calls this node put into the flow are answered with a fault rather than left waiting.
      for (const waiting of [...pending.values()]) if (waiting.owner === node.id) waiting.settle({ fault: { faultCode: -32000, faultString: 'the serving node was stopped' } });
      conn.deregister(node, removed).then(finished, finished);
    });
  }

  RED.nodes.registerType('iq-rpc', IqRpc as unknown as Parameters<NodeAPI['nodes']['registerType']>[1]);
};
