// The config node's two admin endpoints for the editor: a trial login with the dialog's settings
// (the Test connection button) and the deployed connection's contacts (JID suggestions).
import type { Request, Response } from 'express';
import type { Node, NodeAPI } from 'node-red';
import { answerCheck, mayUseStoredPassword, PASSWORD_PLACEHOLDER, passwordTarget, readCheckRequest } from './connection-check';
import { connectionOf } from './connection';
import { RateWindow } from './rate-window';
import type { Translate } from './status-text';

export const CHECK_PATH = '/xmpp-config/check';
export const CONTACTS_PATH = '/xmpp-config/:id/contacts';

/** Trial logins each editor user may start in a minute: enough to fix a typo, too few to guess passwords. */
export const CHECKS_PER_MINUTE = 5;
const CHECK_TIMEOUT_MS = 20_000;

export function registerEditorApi(RED: NodeAPI, t: Translate): void {
  const limit = new RateWindow(CHECKS_PER_MINUTE, 60_000);

  RED.httpAdmin.post(CHECK_PATH, RED.auth.needsPermission('xmpp-config.write'), (req: Request, res: Response) => {
    const user = (req as Request & { user?: { username?: string } }).user?.username;
    const allowed = limit.take(user ?? req.ip ?? '');
    if (!allowed.allowed) {
      const seconds = Math.ceil(allowed.retryAfterMs / 1000);
      res.set('Retry-After', String(seconds));
      res.status(429).json({ ok: false, code: 'rate-limited', text: t('xmpp-config.check.rate-limited', { max: CHECKS_PER_MINUTE, seconds }) });
      return;
    }
    const request = readCheckRequest(req.body);
    if (!request) {
      res.status(400).json({ ok: false, code: 'bad-request', text: t('xmpp-config.check.bad-request') });
      return;
    }
    let password = request.password;
    if (password === PASSWORD_PLACEHOLDER) {
      // The editor never gets a stored password back: it sends this stand-in for "unchanged".
      // Only towards where the deployed connection sends it: a test must not carry it elsewhere.
      const deployed = connectionOf((id) => RED.nodes.getNode(id) as Node | null, request.id);
      if (!deployed || !mayUseStoredPassword(deployed.passwordTarget, passwordTarget(request.def))) {
        res.json({ ok: false, code: 'password-needed', text: t('xmpp-config.check.password-needed') });
        return;
      }
      const stored = RED.nodes.getCredentials(request.id) as { password?: unknown } | undefined;
      password = typeof stored?.password === 'string' ? stored.password : '';
    }
    answerCheck(t, request.def, password, CHECK_TIMEOUT_MS).then(
      (answer) => res.json(answer),
      () => res.status(500).json({ ok: false, code: 'failed', text: t('xmpp-config.check.bad-request') }),
    );
  });

  RED.httpAdmin.get(CONTACTS_PATH, RED.auth.needsPermission('xmpp-config.read'), (req: Request, res: Response) => {
    const connection = connectionOf((id) => RED.nodes.getNode(id) as Node | null, req.params.id);
    const client = connection?.client;
    if (!connection || !client) {
      res.status(404).json({ code: 'not-deployed', text: t('xmpp-config.check.not-deployed'), contacts: [] });
      return;
    }
    res.json({ jid: connection.jid, online: client.status.state === 'online', contacts: client.contacts.list() });
  });
}
