// Puts the editor files, locales and icons beside the compiled nodes, where Node-RED looks for them.
import { cpSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const out = join(root, 'dist', 'nodes');

for (const file of readdirSync(join(root, 'nodes'))) {
  if (file.endsWith('.html')) cpSync(join(root, 'nodes', file), join(out, file));
}
cpSync(join(root, 'locales'), join(out, 'locales'), { recursive: true });
cpSync(join(root, 'icons'), join(out, 'icons'), { recursive: true });
