// The package's example flows (examples/*.json) as a user imports them: loaded from the file,
// the shared xmpp-config node pointed at a test server, deployed into a real Node-RED.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pointAt, REPO_ROOT, type EchoBotAccount, type FlowNode, type NodeRedProcess } from './node-red-process';

/** The id every example file gives its xmpp-config node, so a second import reuses the first. */
export const SHARED_ACCOUNT_ID = 'xmpp-flows-account';

/** The numbered example files ("01 - Commit notification.json", …), sorted; not the echo bot, which has its own account. */
export function exampleFiles(): string[] {
  return readdirSync(join(REPO_ROOT, 'examples'))
    .filter((name) => /^\d\d - .+\.json$/.test(name))
    .sort();
}

/** An example file's nodes, as in the file. */
export function loadExample(file: string): FlowNode[] {
  const parsed: unknown = JSON.parse(readFileSync(join(REPO_ROOT, 'examples', file), 'utf8'));
  if (!Array.isArray(parsed)) throw new Error(`${file} is not an array of nodes`);
  return parsed as FlowNode[];
}

// pointAt (the account node aimed at the test server) lives in node-red-process.ts, shared with the echo bot.
export { pointAt };

/** Lines of Node-RED's log that say a flow did not load as it should. */
const TROUBLE = /Waiting for missing types|missing type|Missing node modules|Unknown type|\[error\]/i;

export interface Deployed {
  flow: FlowNode[];
  /** Log lines written since the deploy that report missing types or errors. */
  trouble(): string[];
}

/**
 * Deploys an example (full deploy: it replaces whatever ran before) pointed at `account`;
 * `adjust` may change the test's copy further (e.g. a shorter timeout on one node).
 */
export async function deployExample(
  red: NodeRedProcess,
  file: string,
  account: EchoBotAccount,
  adjust: (flow: FlowNode[]) => FlowNode[] = (flow) => flow,
): Promise<Deployed> {
  const flow = adjust(pointAt(loadExample(file), account));
  const from = red.log().length;
  await red.deploy(flow, 'full');
  return {
    flow,
    trouble: () =>
      red
        .log()
        .slice(from)
        .split('\n')
        .filter((line) => TROUBLE.test(line)),
  };
}

/** The node types Node-RED knows (GET /nodes), for checking that an example needs nothing else. */
export async function knownTypes(red: NodeRedProcess): Promise<Set<string>> {
  const response = await red.get('/nodes', { Accept: 'application/json' });
  const sets = (await response.json()) as Array<{ types: string[]; enabled: boolean }>;
  return new Set(sets.filter((set) => set.enabled).flatMap((set) => set.types));
}

/** The flow with the fields of node `id` changed (the node must exist). */
export function withNode(flow: FlowNode[], id: string, changes: Partial<FlowNode>): FlowNode[] {
  if (!flow.some((node) => node.id === id)) throw new Error(`no node ${id} in the flow`);
  return flow.map((node) => (node.id === id ? { ...node, ...changes } : node));
}

/** A GET to the flows' own endpoints; the body as JSON when it is JSON, else as text. */
export async function getJson(red: NodeRedProcess, path: string): Promise<{ status: number; json: unknown }> {
  const response = await red.fetch(path);
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: response.status, json };
}

/** An HTTP call to the flows' own endpoints (Node-RED serves them on its one port). */
export async function call(
  red: NodeRedProcess,
  path: string,
  body: string,
  contentType = 'text/plain',
): Promise<{ status: number; json: unknown }> {
  const response = await red.fetch(path, { method: 'POST', headers: { 'Content-Type': contentType }, body });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: response.status, json };
}
