// OMEMO as the connection node shows it: each notice in the log at its level (never a key), and
// our fingerprints for the editor, served to those who may read flows.
import type { Node, NodeAPI } from 'node-red';
import type { XmppClient } from '../core/client';
import type { OmemoNotice, OmemoNoticeCode } from '../core/omemo/omemo-notice';
import type { Translate } from './status-text';

type Level = 'debug' | 'log' | 'warn' | 'error';

const LEVELS: Record<OmemoNoticeCode, Level> = {
  'device-created': 'log',
  'store-replaced': 'warn',
  'store-failed': 'error',
  'not-for-us': 'debug',
  replayed: 'warn',
  tampered: 'warn',
  'too-many-skipped': 'warn',
  'bad-message': 'warn',
  'wrong-sender': 'warn',
  'broken-session': 'warn',
  'key-changed': 'warn',
  'publish-failed': 'warn',
  'bad-bundle': 'debug',
};

/** Logs a notice in the connection node's words. An error is logged without a msg: no Catch node should see key trouble as a flow's failure. */
export function omemoLog(node: Pick<Node, Level>, t: Translate, notice: OmemoNotice): void {
  const text = t(`xmpp-config.omemo.notice.${notice.code}`, { jid: notice.jid, device: String(notice.device ?? ''), detail: notice.detail ?? '' });
  node[LEVELS[notice.code]](text);
}

/** What the editor asks for a deployed connection node (by id). */
export interface FingerprintAnswer {
  enabled: boolean;
  device?: number;
  fingerprints?: { version: string; fingerprint: string }[];
}

/** GET xmpp-config/:id/omemo with flows.read: our device id and fingerprints (public keys only). */
export function serveFingerprints(RED: NodeAPI): void {
  RED.httpAdmin.get('/xmpp-config/:id/omemo', RED.auth.needsPermission('flows.read'), (req, res) => {
    const config = RED.nodes.getNode(String(req.params.id)) as (Node & { client?: XmppClient }) | null;
    const omemo = config?.type === 'xmpp-config' ? config.client?.omemo : undefined;
    if (!omemo) {
      res.json({ enabled: false } satisfies FingerprintAnswer);
      return;
    }
    omemo.fingerprints().then(
      (list) => res.json({ enabled: true, device: list[0]?.device, fingerprints: list.map((f) => ({ version: f.version, fingerprint: f.fingerprint })) } satisfies FingerprintAnswer),
      () => res.status(500).json({ enabled: true }),
    );
  });
}
