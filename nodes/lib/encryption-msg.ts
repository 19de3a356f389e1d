// Whether xmpp-out encrypts a msg (OMEMO): the node's setting, and msg.encrypt over it (true: when
// possible; 'required'; false: in clear) — except that a node set to required stays required.
import type { NodeMessage } from 'node-red';
import { XmppError } from '../core/errors';

export type Encryption = 'off' | 'possible' | 'required';

/** The node's Encryption field; absent in older flows: off. */
export function readEncryption(setting: unknown): Encryption {
  return setting === 'possible' || setting === 'required' ? setting : 'off';
}

/** What applies to this msg; anything but true, false or 'required' in msg.encrypt is refused, so a typo never sends in clear. */
export function encryptionWanted(msg: NodeMessage, nodeSetting: Encryption): Encryption {
  const given = (msg as NodeMessage & { encrypt?: unknown }).encrypt;
  if (given === undefined || given === null) return nodeSetting;
  let asked: Encryption;
  if (given === true) asked = 'possible';
  else if (given === false) asked = 'off';
  else if (given === 'required') asked = 'required';
  else throw new XmppError('invalid-payload', 'msg.encrypt must be true, false or "required"');
  // A flow cannot talk a node set to "required" into sending in clear.
  return nodeSetting === 'required' ? 'required' : asked;
}
