// XEP-0115 entity capabilities: the verification string of what we answer to disco#info.
import { createHash } from 'node:crypto';
import type { DiscoInfo } from './disco-stanza';

// XEP-0115 5.1: sorted by octets (i;octet collation), not by locale.
function byOctets(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** The 'ver' attribute for our disco#info (SHA-1, base64), as XEP-0115 5.1 computes it. */
export function capsVer(info: DiscoInfo): string {
  let text = '';
  const identities = info.identities.map((i) => `${i.category}/${i.type}/${i.lang ?? ''}/${i.name ?? ''}`).sort(byOctets);
  for (const identity of identities) text += `${identity}<`;
  for (const feature of [...info.features].sort(byOctets)) text += `${feature}<`;
  const forms = [...info.forms].filter((f) => f.formType).sort((a, b) => byOctets(a.formType ?? '', b.formType ?? ''));
  for (const form of forms) {
    text += `${form.formType}<`;
    for (const name of Object.keys(form.fields).sort(byOctets)) {
      text += `${name}<`;
      for (const value of [...(form.fields[name] ?? [])].sort(byOctets)) text += `${value}<`;
    }
  }
  return createHash('sha1').update(text, 'utf8').digest('base64');
}
