// What to install for the "official" column: node-red-node-xmpp@0.7.0 from the npm registry, or
// a tarball of it named by OFFICIAL_XMPP_TGZ (where the registry does not serve it). Undefined
// when neither can be had: the column is then skipped and the report says why.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const OFFICIAL_SPEC = 'node-red-node-xmpp@0.7.0';

export interface OfficialSource {
  /** What `npm install` takes: the registry spec or a tarball's path. */
  spec: string;
  /** Where it came from, for the report. */
  origin: string;
}

export async function officialSource(): Promise<OfficialSource | { error: string }> {
  const tgz = process.env.OFFICIAL_XMPP_TGZ;
  if (tgz && existsSync(tgz)) return { spec: tgz, origin: `tarball ${tgz} (OFFICIAL_XMPP_TGZ)` };
  try {
    const { stdout } = await run('npm', ['view', OFFICIAL_SPEC, 'version'], { timeout: 30_000 });
    if (stdout.trim() === '0.7.0') return { spec: OFFICIAL_SPEC, origin: 'npm registry' };
    return { error: `npm view ${OFFICIAL_SPEC} printed "${stdout.trim()}", and no OFFICIAL_XMPP_TGZ` };
  } catch (error) {
    const line = String((error as Error).message).split('\n').find((text) => /E404|error/.test(text)) ?? 'failed';
    return { error: `npm view ${OFFICIAL_SPEC}: ${line}, and no OFFICIAL_XMPP_TGZ` };
  }
}
