// Every example as a user gets it, in a real Chromium: Import > Examples > the file, the account
// filled in once in the connection dialog, Deploy; then every node of this package on the new tab
// shows a green status against a real Prosody, and the flow sits tidily on the canvas at the sizes
// the editor really gives its nodes. From the second example on, the shared account node already
// exists and the editor asks what to do: we answer "Import copy", which keeps the account.
// Writes docs/flow.png, the picture of a flow in the README.
import assert from 'node:assert/strict';
import { mkdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../rig/chromium';
import { exampleFiles, loadExample, SHARED_ACCOUNT_ID } from '../rig/examples';
import { boxAt, isOwnType, layoutProblems } from '../rig/flow-layout';
import { ECHO_BOT_FILE, NodeRedProcess, printLogsIfFailed, REPO_ROOT, type FlowNode } from '../rig/node-red-process';
import { Prosody } from '../rig/prosody';

const MODULE = 'node-red-contrib-xmpp-flows';
/** The example pictured in the README. */
const PICTURED = '09 - Home commands.json';

/** A node as the editor holds it once drawn: its real size and ports. */
interface DrawnNode extends FlowNode {
  w: number;
  h: number;
  inputs: number;
  outputs: number;
  status?: { fill?: string; shape?: string; text?: string };
}

// The editor's global, as the page sees it (only what these tests use).
interface EditorNode {
  id: string;
  type: string;
  z?: string;
  name?: string;
  x: number;
  y: number;
  w: number;
  h: number;
  outputs?: number;
  server?: string;
  status?: { fill?: string; shape?: string; text?: string };
  _def: { inputs?: number; category?: string };
}
interface EditorRED {
  nodes: {
    filterNodes(filter: { z?: string; type?: string }): EditorNode[];
    filterLinks(filter: { source: EditorNode }): Array<{ sourcePort: number; target: EditorNode }>;
    eachWorkspace(cb: (ws: { id: string; label: string }) => void): void;
    eachConfig(cb: (node: EditorNode) => void): void;
  };
  workspaces: { show(id: string): void };
  view: { select(selection: unknown): void };
  menu: { setSelected(id: string, state: boolean): void };
}
declare const RED: EditorRED;
/** Added to the page in before(): the id of the tab with this label. */
declare function workspaceId(label: string): string | undefined;

describe('the examples imported in the editor (a real Chromium)', function () {
  this.timeout(60_000);
  let prosody: Prosody;
  let red: NodeRedProcess;
  let browser: Browser;
  let page: Page;
  let port: number;
  /** What the editor said when an example's nodes already existed, and the buttons it offered. */
  const conflicts: Array<{ file: string; text: string; buttons: string[] }> = [];
  /** The account nodes filled in so far (by id). */
  const filled = new Set<string>();

  before(async function () {
    this.timeout(120_000);
    prosody = await Prosody.start({ iterations: 100 });
    port = prosody.port;
    await prosody.register('bot', 'bot-secret');
    await prosody.register('echo', 'echo-secret');
    red = await NodeRedProcess.start();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1600, height: 1000 }, deviceScaleFactor: 2 });
    await page.goto(`${red.url}/`);
    await page.waitForSelector('#red-ui-palette .red-ui-palette-node', { timeout: 30_000 });
    await page.addScriptTag({
      content: 'window.workspaceId = function (label) { var id; RED.nodes.eachWorkspace(function (ws) { if (ws.label === label) id = ws.id; }); return id; };',
    });
  });

  afterEach(async function () {
    printLogsIfFailed(this.currentTest, red, prosody);
    if (this.currentTest?.state === 'failed' && page) {
      const shot = join(tmpdir(), `xmpp-flows-editor-examples-${Date.now()}.png`);
      await page.screenshot({ path: shot }).catch(() => undefined);
      console.log(`      the page when it failed: ${shot}`);
    }
  });

  after(async () => {
    await browser?.close();
    await red?.stop();
    await prosody?.stop();
  });

  /** Import > Examples > this package > the file > Import; answers a conflict with "Import copy". */
  async function importFromMenu(file: string): Promise<void> {
    await page.click('#red-ui-header-button-sidemenu');
    await page.click('#menu-item-import');
    await page.locator('#red-ui-clipboard-dialog-import-tabs').getByText('Examples', { exact: true }).click();
    const library = page.locator('#red-ui-clipboard-dialog-import-tab-examples');
    // The package's folder: opened on the first visit, then the tree keeps it open.
    const folder = library.locator('.red-ui-treeList-label', { has: page.locator(`.red-ui-treeList-label-text:text-is("${MODULE}")`) });
    await folder.waitFor({ timeout: 15_000 });
    if (!/\bexpanded\b/.test((await folder.getAttribute('class')) ?? '')) await folder.click();
    await library.locator(`.red-ui-treeList-label-text:text-is("${file.replace(/\.json$/, '')}")`).click();
    await page.click('#red-ui-clipboard-dialog-ok');
    const tab = String(loadExample(file).find((n) => n.type === 'tab')?.label);
    // Either the tab appears at once, or the editor first asks about the nodes that already exist.
    const conflict = page.locator('.red-ui-notification', { hasText: 'already exist' });
    await page.waitForFunction(
      (label) => workspaceId(label) !== undefined || [...document.querySelectorAll('.red-ui-notification')].some((el) => /already exist/.test(el.textContent ?? '')),
      tab,
      { timeout: 15_000 },
    );
    if (await conflict.isVisible()) {
      const text = ((await conflict.locator('p').first().textContent()) ?? '').trim();
      const buttons = (await conflict.locator('button').allTextContents()).map((b) => b.trim());
      conflicts.push({ file, text, buttons });
      await conflict.locator('button', { hasText: 'Import copy' }).click();
      await conflict.waitFor({ state: 'detached', timeout: 10_000 });
    }
    await page.waitForFunction((label) => workspaceId(label) !== undefined, tab, { timeout: 15_000 });
  }

  /** The id of the tab with this label, looked up in the page. */
  async function tabId(file: string): Promise<string> {
    const label = String(loadExample(file).find((n) => n.type === 'tab')?.label);
    const id = await page.evaluate((l) => workspaceId(l), label);
    assert.ok(id, `a tab "${label}"`);
    return id;
  }

  /** The nodes on a tab with the sizes the editor drew them at, their ports, wires and status. */
  function drawnNodes(z: string): Promise<DrawnNode[]> {
    return page.evaluate((tab) => {
      return RED.nodes.filterNodes({ z: tab }).map((n) => {
        const wires: string[][] = Array.from({ length: n.outputs ?? 0 }, () => []);
        for (const link of RED.nodes.filterLinks({ source: n })) wires[link.sourcePort]?.push(link.target.id);
        return { id: n.id, type: n.type, name: n.name, x: n.x, y: n.y, w: n.w, h: n.h, inputs: n._def.inputs ?? 0, outputs: n.outputs ?? 0, wires, server: n.server, status: n.status };
      });
    }, z);
  }

  /** Fills in an account node through a node that uses it, as a user does, with the test server's address. */
  async function fillAccount(nodeId: string, jid: string, password: string): Promise<void> {
    await page.dblclick(`[id="${nodeId}"]`);
    await page.click('#node-input-btn-server-edit');
    await page.waitForSelector('#node-config-input-jid', { timeout: 10_000 });
    await page.fill('#node-config-input-jid', jid);
    await page.fill('#node-config-input-password', password);
    await page.fill('#node-config-input-host', '127.0.0.1');
    await page.fill('#node-config-input-port', String(port));
    // The test server speaks plain XMPP on loopback; the examples ask for STARTTLS.
    await page.selectOption('#node-config-input-security', 'none');
    await page.click('#node-config-dialog-ok');
    await page.waitForSelector('#node-config-dialog-ok', { state: 'detached', timeout: 10_000 });
    await page.click('#node-dialog-ok');
    await page.waitForSelector('#red-ui-editor-shade', { state: 'hidden', timeout: 10_000 });
  }

  async function deploy(): Promise<void> {
    await page.click('#red-ui-header-button-deploy');
    await page.waitForSelector('#red-ui-header-button-deploy.disabled', { timeout: 20_000 });
  }

  for (const file of [...exampleFiles(), ECHO_BOT_FILE]) {
    it(`${file}: imported from the menu and deployed, every node of the package is green`, async function () {
      await importFromMenu(file);
      const z = await tabId(file);
      await page.evaluate((id) => RED.workspaces.show(id), z);
      let nodes = await drawnNodes(z);
      const own = nodes.filter((n) => isOwnType(n.type));
      assert.ok(own.length > 0, 'the example has nodes of this package');
      const account = String(loadExample(file).find((n) => n.type === 'xmpp-config')?.id);
      for (const node of own) assert.equal(node.server, account, `${node.id} (${node.type}) uses the example's account node`);
      const accounts = await page.evaluate(() => {
        const ids: string[] = [];
        RED.nodes.eachConfig((n) => {
          if (n.type === 'xmpp-config') ids.push(n.id);
        });
        return ids;
      });
      assert.deepEqual(accounts.filter((id) => id === account), [account], 'one account node, not a copy');
      if (!filled.has(account)) {
        const [user, password] = account === SHARED_ACCOUNT_ID ? ['bot', 'bot-secret'] : ['echo', 'echo-secret'];
        await fillAccount(own[0]!.id, `${user}@localhost`, password);
        filled.add(account);
      }
      await deploy();
      await page.waitForFunction(
        (ids) => ids.every((id) => document.querySelector(`[id="${id}"] .red-ui-flow-node-status-dot-green`) !== null),
        own.map((n) => n.id),
        { timeout: 20_000 },
      ).catch(() => undefined);
      nodes = await drawnNodes(z);
      const notGreen = nodes.filter((n) => isOwnType(n.type) && n.status?.fill !== 'green').map((n) => `${n.id} ${n.type}: ${JSON.stringify(n.status)}`);
      assert.deepEqual(notGreen, [], 'every node of the package green');
      for (const node of nodes.filter((n) => isOwnType(n.type))) {
        assert.ok(await page.isVisible(`[id="${node.id}"] .red-ui-flow-node-status-dot-green`), `${node.id}: a green dot on the canvas`);
      }
      // The same layout checks as the unit test, with the sizes the editor drew.
      const problems = layoutProblems(nodes, (n) => {
        const d = n as DrawnNode;
        return boxAt(d, d.name || d.type, d.w, d.h, d.inputs, d.outputs);
      });
      assert.deepEqual(problems, [], 'laid out on the canvas without overlaps or wires behind nodes');

      if (file === PICTURED) await picture(nodes);
    });
  }

  /** docs/flow.png: the flow alone (no palette, sidebar or notifications, nothing selected), with a margin around its nodes. */
  async function picture(nodes: DrawnNode[]): Promise<void> {
    await page.evaluate(() => {
      RED.menu.setSelected('menu-item-sidebar', false);
      RED.menu.setSelected('menu-item-palette', false);
      RED.view.select('');
    });
    await page.mouse.move(1, 1);
    // "Successfully deployed" and the like close by themselves after a few seconds.
    await page.waitForSelector('.red-ui-notification', { state: 'detached', timeout: 15_000 });
    const chart = await page.locator('#red-ui-workspace-chart').boundingBox();
    assert.ok(chart, 'the canvas');
    const boxes = [];
    for (const node of nodes) {
      const box = await page.locator(`[id="${node.id}"]`).boundingBox();
      if (box) boxes.push(box);
    }
    const left = Math.max(chart.x, Math.min(...boxes.map((b) => b.x)) - 20);
    const top = Math.max(chart.y, Math.min(...boxes.map((b) => b.y)) - 20);
    const right = Math.max(...boxes.map((b) => b.x + b.width)) + 20;
    const bottom = Math.max(...boxes.map((b) => b.y + b.height)) + 20;
    assert.ok(right <= chart.x + chart.width && bottom <= chart.y + chart.height, 'the whole flow in view');
    mkdirSync(join(REPO_ROOT, 'docs'), { recursive: true });
    const path = join(REPO_ROOT, 'docs', 'flow.png');
    await page.screenshot({ path, clip: { x: left, y: top, width: right - left, height: bottom - top } });
    assert.ok(statSync(path).size > 10_000, 'a picture with something in it');
    await page.evaluate(() => {
      RED.menu.setSelected('menu-item-sidebar', true);
      RED.menu.setSelected('menu-item-palette', true);
    });
  }

  it('asked about the shared account node from the second example on, offering "Import copy" (which keeps the account)', function () {
    const numbered = exampleFiles();
    assert.deepEqual(conflicts.map((c) => c.file), numbered.slice(1), 'asked for every example after the first, not for the echo bot');
    for (const c of conflicts) {
      assert.match(c.text, /Some of the nodes you are importing already exist in your workspace/);
      assert.deepEqual(c.buttons, ['Cancel', 'View nodes...', 'Import copy'], c.file);
    }
    console.log(`      the editor said: "${conflicts[0]?.text}" and offered ${JSON.stringify(conflicts[0]?.buttons)}`);
  });
});
