// Every node's help names the standards it implements and every error code its code can put in
// msg.error.code. The codes are read from the source, so a new code without a help entry fails here.
import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const root = join(__dirname, '..', '..', '..');
const nodesDir = join(root, 'nodes');
const nodeNames = readdirSync(nodesDir).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3));
const readme = readFileSync(join(root, 'README.md'), 'utf8');

/** The connection's own machinery: its failures are the config node's, shown on every node's status. */
const CONNECTION = ['core/session/', 'core/errors.ts', 'core/xmpp-lib.ts', 'core/client.ts'];
/** The table of every connection-wide code, not a place where a code is made. */
const TABLES_NOT_SOURCES = new Set(['core/errors.ts']);
/** Turns errors into what a node reports: it names their classes, and makes no error of its own. */
const READS_ONLY = new Set(['lib/node-error.ts']);

const SEND_PATH = ['outbox.ts', 'stanza-gate.ts', 'poison-guard.ts'];

/**
 * Codes the reading above finds in a node's files that never reach that node's Catch nodes,
 * each with the reason (the reading is per file, a node may use one function of a file).
 */
const NOT_REPORTED: Record<string, Record<string, string>> = {
  'xmpp-config': {
    'no-service': 'an outcome of one address (a "." SRV target), named inside host-not-found',
    ...Object.fromEntries(['bad-request', 'connected', 'failed', 'not-deployed', 'password-needed', 'rate-limited'].map((code) => [code, 'an answer of Test connection in the dialog, never a msg'])),
  },
  'xmpp-out': Object.fromEntries(
    ['bad-bundle', 'bad-message', 'broken-session', 'device-created', 'key-changed', 'no-session', 'not-for-this-device', 'not-for-us', 'publish-failed', 'replayed', 'store-replaced', 'tampered', 'too-many-skipped', 'wrong-sender'].map((code) => [
      code,
      'OMEMO reports it in the log about received messages and our keys (the connection node\'s help lists it), never as an error of a msg sent',
    ]),
  ),
  'presence-gate': {
    timeout: 'its presence requests and roster changes: a failure is logged at debug level',
    'stanza-error': 'its presence requests and roster changes: a failure is logged at debug level',
  },
  'xmpp-in': {
    'not-connected': 'it takes no input: there is no msg to fail',
    'no-recipient': 'lib/presence-msg and lib/message-msg check outgoing msgs too (xmpp out)',
    'invalid-type': 'lib/message-msg checks outgoing msgs too (xmpp out)',
    'no-upload-service': 'uploading is xmpp out\'s; xmpp in only downloads',
    'upload-failed': 'uploading is xmpp out\'s; xmpp in only downloads',
    bounced: 'delivery is xmpp out\'s',
    'not-delivered': 'delivery is xmpp out\'s',
    'invalid-payload': 'lib/room-msg and lib/message-msg check outgoing msgs too (xmpp out)',
    'room-left': 'a send waiting for the room (xmpp out)',
    'room-timeout': 'a send waiting for the room (xmpp out)',
    timeout: 'a self-ping without answer is asked again later; a refused entry is room-refused',
    'stanza-error': 'a room refusing entry is room-refused',
  },
};

const rel = (file: string): string => relative(nodesDir, file).split('\\').join('/');

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return filesUnder(path);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Relative modules a file imports for their values (`import type` brings no code along). */
function runtimeImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const match of text.matchAll(/(?:^|\n)\s*(import|export)\s+(type\s+)?([^'";]*?)\s*from\s+'(\.[^']+)'/g)) {
    if (match[2]) continue;
    const names = (match[3] as string).replace(/^\{|\}$/g, '').split(',').map((n) => n.trim()).filter(Boolean);
    if (names.length > 0 && names.every((n) => n.startsWith('type '))) continue;
    const target = join(dirname(file), `${match[4] as string}.ts`);
    if (existsSync(target)) found.push(target);
  }
  return found;
}

/** The client's concerns a text uses (client.disco, clientOf(conn).rpc, connection.client?.rooms …). */
function concernsIn(text: string): string[] {
  const names = new Set<string>();
  for (const match of text.matchAll(/(?:\bclient\??|clientOf\([^)]*\))\.(\w+)/g)) names.add(match[1] as string);
  return [...names].filter((name) => existsSync(join(nodesDir, 'core', name)));
}

/**
 * The accessor every node imports (lib/connection.ts) reaches a concern only inside some of its
 * functions (joinIfRoom: rooms): a concern counts for a node that calls that function.
 */
const ACCESSOR = join(nodesDir, 'lib', 'connection.ts');
const accessorConcerns = new Map<string, string[]>(
  readFileSync(ACCESSOR, 'utf8')
    .split(/\n(?=export )/)
    .flatMap((part) => {
      const name = /^export function (\w+)/.exec(part)?.[1];
      return name ? [[name, concernsIn(part)] as [string, string[]]] : [];
    }),
);

function concernsUsed(file: string): string[] {
  if (file === ACCESSOR) return [];
  const text = readFileSync(file, 'utf8');
  const viaAccessor = [...accessorConcerns].filter(([name]) => new RegExp(`\\b${name}\\(`).test(text)).flatMap(([, concerns]) => concerns);
  return [...concernsIn(text), ...viaAccessor];
}

/**
 * The files whose code can run for a node: its own file, what it imports, the folders of the
 * client's concerns it calls, and the IQ caller when one of those asks the network. The
 * connection's machinery counts for the config node only (the others show its failures in their
 * status, and their help points to the config node's list).
 */
function filesOf(name: string): Set<string> {
  const seen = new Set<string>();
  const isConnection = (file: string): boolean => CONNECTION.some((prefix) => rel(file).startsWith(prefix));
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    if (name !== 'xmpp-config' && isConnection(file)) return;
    seen.add(file);
    if (READS_ONLY.has(rel(file))) return;
    for (const target of runtimeImports(file)) if (!(name === 'xmpp-config' && rel(target) === 'core/client.ts')) visit(target);
    for (const concern of concernsUsed(file)) for (const member of filesUnder(join(nodesDir, 'core', concern))) visit(member);
    // A message sent waits in the outbox and passes the stanza gate and the poison guard.
    if (/\.messages\.send\(/.test(readFileSync(file, 'utf8'))) for (const step of SEND_PATH) visit(join(nodesDir, 'core', 'session', step));
    if (/\.request\(/.test(readFileSync(file, 'utf8'))) {
      visit(join(nodesDir, 'core', 'iq', 'iq-caller.ts'));
      visit(join(nodesDir, 'core', 'stanza-error.ts'));
    }
  };
  visit(join(nodesDir, `${name}.ts`));
  if (name === 'xmpp-config') for (const file of filesUnder(join(nodesDir, 'core', 'session'))) visit(file);
  return seen;
}

/**
 * Codes a file makes: `new XxxError('code'`, `holdError('code'`, `{ code: 'code' }`, `super('code'`, the string
 * unions of `type …ErrorCode` / `…Refusal`, and `…_CODES = [ … ]` tables of a module's own codes.
 */
function codesIn(file: string): Set<string> {
  const text = readFileSync(file, 'utf8').replace(/^\s*(\/\/|\*|\/\*).*$/gm, '');
  const codes = new Set<string>();
  for (const match of text.matchAll(/\b\w*Error\(\s*'([a-z][a-z-]*)'/g)) codes.add(match[1] as string);
  for (const match of text.matchAll(/\bcode: '([a-z][a-z-]*)'/g)) codes.add(match[1] as string);
  // A subclass that picks its code: super('code', …) or super(cond ? 'a' : 'b', …).
  for (const match of text.matchAll(/\bsuper\(\s*(?:[^,?()]*\?\s*)?'([a-z][a-z-]*)'(?:\s*:\s*'([a-z][a-z-]*)')?/g)) {
    // A MsgError subclass passes its section (the node's name) first, then its code.
    for (const code of [match[1], match[2]]) if (code && !nodeNames.includes(code)) codes.add(code);
  }
  const lists = [...text.matchAll(/\btype \w*(?:ErrorCode|Refusal) = ([^;]+);/g), ...(TABLES_NOT_SOURCES.has(rel(file)) ? [] : text.matchAll(/\b[A-Z_]*_CODES = \[([^\]]+)\]/g))];
  for (const list of lists) for (const literal of (list[1] as string).matchAll(/'([a-z][a-z-]*)'/g)) codes.add(literal[1] as string);
  return codes;
}

/** The codes an Errors section names: the words of its <dt> terms (tags dropped). */
function termsOf(errors: string): Set<string> {
  const terms = new Set<string>();
  for (const match of errors.matchAll(/<dt>([^]*?)<\/dt>/g)) {
    for (const word of (match[1] as string).replace(/<[^>]+>/g, ' ').split(/[\s,;()]+/)) if (word) terms.add(word);
  }
  return terms;
}

/** Whether the Errors section documents a code as msg.error.code carries it. */
function documents(errors: string, code: string): boolean {
  // The other side's stanza error: its RFC 6120 condition is the code; the help links that list.
  if (code === 'stanza-error') return /rfc6120[^"]*#(?:section-8\.3\.3|stanzas-error-conditions)/.test(errors);
  return termsOf(errors).has(code);
}

/** The part of a help text under one `<h3>` heading. */
function section(help: string, heading: string): string {
  const start = help.indexOf(`<h3>${heading}</h3>`);
  if (start < 0) return '';
  const next = help.indexOf('<h3>', start + 4);
  return help.slice(start, next < 0 ? undefined : next);
}

const helpOf = (name: string): string => readFileSync(join(root, 'locales', 'en-US', `${name}.html`), 'utf8');

describe('help', () => {
  it('finds the codes in the source (the reader reads)', () => {
    assert.ok(nodeNames.length >= 7, 'every node');
    const gate = [...filesOf('presence-gate')].flatMap((file) => [...codesIn(file)]);
    for (const code of ['hold-full', 'hold-expired', 'removed', 'no-recipient', 'not-connected']) assert.ok(gate.includes(code), `presence-gate makes ${code}`);
    const disco = [...filesOf('disco-query')].flatMap((file) => [...codesIn(file)]);
    for (const code of ['not-connected', 'invalid-answer', 'timeout', 'stanza-error', 'no-pending']) assert.ok(disco.includes(code), `disco-query makes ${code}`);
    const config = [...filesOf('xmpp-config')].flatMap((file) => [...codesIn(file)]);
    for (const code of ['not-authorized', 'tls-untrusted', 'connection-refused', 'outbox-full']) assert.ok(config.includes(code), `xmpp-config makes ${code}`);
  });

  for (const name of nodeNames) {
    describe(name, () => {
      const help = helpOf(name);

      it('keeps Node-RED\'s help structure: a summary, then <h3> sections with message-properties lists', () => {
        assert.match(help, new RegExp(`^<script type="text/html" data-help-name="${name}">\\s*<p>[^]+?</p>`));
        assert.match(help, /<h3>(Inputs|Outputs|Details|Properties)<\/h3>/);
        assert.match(help, /<dl class="message-properties">/);
      });

      it('has a References section with the standards and the README', () => {
        const references = section(help, 'References');
        assert.ok(references, 'a <h3>References</h3> section');
        assert.match(references, /https:\/\/(xmpp\.org|www\.rfc-editor\.org)\//, 'a link to xmpp.org or rfc-editor.org');
        const readmeLinks = [...references.matchAll(/README\.md#([a-z0-9-]+)"/g)].map((m) => m[1] as string);
        assert.ok(readmeLinks.length > 0, 'a link to a README section');
        for (const anchor of readmeLinks) assert.ok(readmeAnchors().has(anchor), `README has a section #${anchor}`);
      });

      it('documents every error code its code can produce', () => {
        const errors = section(help, 'Errors');
        assert.ok(errors, 'a <h3>Errors</h3> section');
        const codes = new Set([...filesOf(name)].flatMap((file) => [...codesIn(file)]));
        const exempt = NOT_REPORTED[name] ?? {};
        const missing = [...codes].filter((code) => !(code in exempt) && !documents(errors, code)).sort();
        assert.deepEqual(missing, [], `${name}.html's Errors section lacks these codes`);
        // An exemption that no longer matches anything found is stale.
        for (const code of Object.keys(exempt)) assert.ok(codes.has(code), `${code} is exempted for ${name} but not found in its code`);
      });
    });
  }
});

/** GitHub's anchors for the README's headings. */
function readmeAnchors(): Set<string> {
  const anchors = new Set<string>();
  for (const match of readme.matchAll(/^#{1,4} (.+)$/gm)) {
    anchors.add((match[1] as string).trim().toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-'));
  }
  return anchors;
}
