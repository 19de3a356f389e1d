// XEP-0030 service discovery and XEP-0128 extended info: queries and answers ↔ plain objects.
import { NS_DATA, NS_DISCO_INFO, NS_DISCO_ITEMS } from '../namespaces';
import type { XmlElement, XmlFactory } from '../xmpp-lib';

export interface Identity {
  category: string;
  type: string;
  name?: string | undefined;
  lang?: string | undefined;
}

/** A data form (XEP-0004) as a plain object: FORM_TYPE apart, every field's values by var. */
export interface DataForm {
  type: string;
  formType: string | undefined;
  fields: Record<string, string[]>;
}

export interface DiscoInfo {
  identities: Identity[];
  features: string[];
  forms: DataForm[];
}

export interface DiscoItem {
  jid: string;
  name?: string | undefined;
  node?: string | undefined;
}

export function readForm(form: XmlElement): DataForm {
  const fields: Record<string, string[]> = {};
  let formType: string | undefined;
  for (const field of form.getChildren('field')) {
    const name = field.attrs.var;
    if (!name) continue;
    const values = field.getChildren('value').map((v) => v.getText());
    if (name === 'FORM_TYPE') formType = values[0];
    else fields[name] = values;
  }
  return { type: form.attrs.type ?? 'result', formType, fields };
}

export function readInfo(query: XmlElement | undefined): DiscoInfo {
  return {
    identities: (query?.getChildren('identity') ?? []).map((el) => ({
      category: el.attrs.category ?? '',
      type: el.attrs.type ?? '',
      name: el.attrs.name,
      lang: el.attrs['xml:lang'],
    })),
    features: (query?.getChildren('feature') ?? []).map((el) => el.attrs.var ?? '').filter(Boolean),
    forms: (query?.getChildren('x', NS_DATA) ?? []).map(readForm),
  };
}

export function readItems(query: XmlElement | undefined): DiscoItem[] {
  return (query?.getChildren('item') ?? [])
    .filter((el) => el.attrs.jid)
    .map((el) => ({ jid: el.attrs.jid as string, name: el.attrs.name, node: el.attrs.node }));
}

function buildForm(xml: XmlFactory, form: DataForm): XmlElement {
  return xml(
    'x',
    { xmlns: NS_DATA, type: form.type || 'result' },
    form.formType ? xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, form.formType)) : undefined,
    ...Object.entries(form.fields).map(([name, values]) => xml('field', { var: name }, ...values.map((v) => xml('value', {}, v)))),
  );
}

export function buildInfo(xml: XmlFactory, info: DiscoInfo, node?: string): XmlElement {
  return xml(
    'query',
    { xmlns: NS_DISCO_INFO, node },
    ...info.identities.map((i) => xml('identity', { category: i.category, type: i.type, name: i.name, 'xml:lang': i.lang })),
    ...info.features.map((f) => xml('feature', { var: f })),
    ...info.forms.map((f) => buildForm(xml, f)),
  );
}

export function buildItems(xml: XmlFactory, items: DiscoItem[], node?: string): XmlElement {
  return xml('query', { xmlns: NS_DISCO_ITEMS, node }, ...items.map((i) => xml('item', { jid: i.jid, name: i.name, node: i.node })));
}
