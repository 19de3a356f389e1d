// The editor as a user sees it, in a real Chromium: the palette has the nodes, the edit dialogs
// speak English rather than message keys, the config node warns about 'none', and the canvas
// shows the connection's status under the nodes.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { eventually } from '../rig/peer';
import { Prosody } from '../rig/prosody';
import { declaredNodeTypes, NodeRedProcess, type FlowNode } from '../rig/node-red-process';
import { launchChromium } from '../rig/chromium';

describe('the editor in a real Chromium', function () {
  this.timeout(90_000);
  let prosody: Prosody;
  let red: NodeRedProcess;
  let browser: Browser;
  let page: Page;
  const shots = mkdtempSync(join(tmpdir(), 'xmpp-flows-editor-'));

  before(async function () {
    this.timeout(120_000);
    prosody = await Prosody.start({ iterations: 100, pep: true });
    await prosody.register('bot', 'bot-pw');
    red = await NodeRedProcess.start();
    const flow: FlowNode[] = [
      { id: 'ed-tab', type: 'tab', label: 'Editor check' },
      { id: 'ed-cfg', type: 'xmpp-config', name: 'editor bot', jid: 'bot@localhost/editor', host: '127.0.0.1', port: String(prosody.port), security: 'none', credentials: { password: 'bot-pw' } },
      { id: 'ed-in', type: 'xmpp-in', z: 'ed-tab', name: '', server: 'ed-cfg', from: '', msgType: 'any', bodiless: false, x: 200, y: 100, wires: [['ed-out']] },
      { id: 'ed-out', type: 'xmpp-out', z: 'ed-tab', name: '', server: 'ed-cfg', to: '', msgType: 'chat', subject: '', x: 450, y: 100, wires: [] },
      // As a gate of an earlier version was saved: without the limits added since.
      // A second connection with OMEMO on, and a node that requires encryption.
      { id: 'ed-omemo', type: 'xmpp-config', name: 'omemo bot', jid: 'bot@localhost/omemo', host: '127.0.0.1', port: String(prosody.port), security: 'none', omemo: true, credentials: { password: 'bot-pw' } },
      { id: 'ed-secret', type: 'xmpp-out', z: 'ed-tab', name: '', server: 'ed-omemo', to: '', msgType: 'chat', subject: '', encryption: 'required', x: 450, y: 300, wires: [] },
      { id: 'ed-gate', type: 'presence-gate', z: 'ed-tab', name: '', server: 'ed-cfg', to: '', mode: 'hold', blockDnd: true, blockAway: false, blockXa: false, holdCount: 100, holdAge: 3600, store: '', outputs: 2, x: 450, y: 200, wires: [[], []] },
    ];
    await red.deploy(flow);
    await eventually(() => prosody.sessionCount('bot@localhost'), (n) => n === 2, 15_000, 'both connections online');
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`${red.url}/`);
    await page.waitForSelector('#red-ui-palette .red-ui-palette-node', { timeout: 30_000 });
  });

  after(async () => {
    await browser?.close();
    await red?.stop();
    await prosody?.stop();
  });

  it('lists every node of the package in the palette', async () => {
    const inPalette = await page.$$eval('.red-ui-palette-node[data-palette-type]', (els) => els.map((el) => el.getAttribute('data-palette-type')));
    for (const type of declaredNodeTypes().filter((t) => t !== 'xmpp-config')) assert.ok(inPalette.includes(type), `${type} in the palette`);
  });

  it('shows the connection status under the nodes on the canvas', async () => {
    await page.waitForFunction(() => [...document.querySelectorAll('.red-ui-flow-node-status-label')].some((el) => el.textContent === 'bot@localhost'), undefined, { timeout: 20_000 });
    await page.screenshot({ path: join(shots, 'canvas.png') });
  });

  it('opens the xmpp in dialog with English labels, and the connection dialog warns about no encryption', async () => {
    await page.dblclick('#ed-in');
    await page.waitForSelector('#node-input-server', { timeout: 10_000 });
    const label = await page.textContent('label[for="node-input-server"]');
    assert.match(label ?? '', /Connection/);
    const tray = (await page.textContent('.red-ui-tray')) ?? '';
    assert.doesNotMatch(tray, /xmpp-in\.(label|placeholder|type|unit)\./, 'no untranslated keys');
    // A node from a flow made before the per-sender limit: unticked, so it behaves as it did.
    assert.equal(await page.isChecked('#node-input-rateLimit'), false);
    assert.equal(await page.isVisible('#node-input-rate'), false, 'rate and burst hidden while the limit is off');
    await page.check('#node-input-rateLimit');
    assert.equal(await page.isVisible('#node-input-rate'), true);
    assert.equal(await page.isVisible('#node-input-burst'), true);
    await page.screenshot({ path: join(shots, 'xmpp-in.png') });
    await page.uncheck('#node-input-rateLimit');
    // A node from before the sender choice, with an empty From: anyone, as it was; the list shows only for a list.
    assert.equal(await page.inputValue('#node-input-senders'), 'anyone');
    assert.equal(await page.isVisible('#node-input-from'), false);
    await page.selectOption('#node-input-senders', 'list');
    assert.equal(await page.isVisible('#node-input-from'), true);
    await page.selectOption('#node-input-senders', 'anyone');
    assert.equal(await page.isChecked('#node-input-ignoreOld'), false, 'old messages are taken unless asked');
    assert.equal(await page.isDisabled('#node-input-maxAge'), true);
    // A new node starts with the limit on, 10 a second, bursts of 100.
    const defaults = await page.evaluate(() => {
      const red = (window as unknown as { RED: { nodes: { getType(type: string): { defaults: Record<string, { value: unknown }> } } } }).RED;
      const d = red.nodes.getType('xmpp-in').defaults;
      return [d.rateLimit?.value, d.rate?.value, d.burst?.value];
    });
    assert.deepEqual(defaults, [true, 10, 100]);
    const select = await page.getAttribute('#node-input-server', 'class');
    assert.doesNotMatch(select ?? '', /input-error/, 'the connection is valid even with fields the flow left out');
    await page.click('#node-input-btn-server-edit');
    await page.waitForSelector('#node-config-input-security', { timeout: 10_000 });
    const configTray = (await page.textContent('.red-ui-tray:last-of-type')) ?? '';
    assert.doesNotMatch(configTray, /xmpp-config\.(label|placeholder|security|show|transport)\./, 'no untranslated keys');
    assert.equal(await page.inputValue('#node-config-input-transport'), 'tcp', 'a connection of an earlier version is TCP');
    assert.equal(await page.isVisible('#node-config-xmpp-wsurl-row'), false, 'no WebSocket URL for TCP');
    await page.selectOption('#node-config-input-transport', 'websocket');
    assert.equal(await page.isVisible('#node-config-xmpp-wsurl-row'), true, 'the WebSocket URL shows for WebSocket');
    assert.equal(await page.isVisible('#node-config-input-host'), false, 'and the server and port hide');
    await page.selectOption('#node-config-input-transport', 'tcp');
    assert.equal(await page.isVisible('#node-config-input-host'), true);
    assert.equal(await page.inputValue('#node-config-input-security'), 'none');
    assert.equal(await page.inputValue('#node-config-input-trust'), 'system', 'a field the flow left out shows its default');
    assert.equal(await page.inputValue('#node-config-input-subscriptions'), 'flow');
    assert.equal(await page.isChecked('#node-config-input-answerReceipts'), true, 'receipts are answered unless switched off');
    assert.equal(await page.isChecked('#node-config-input-carbons'), false);
    assert.equal(await page.isVisible('#node-config-xmpp-none-warning'), true, 'the warning shows for none');
    await page.selectOption('#node-config-input-security', 'starttls');
    assert.equal(await page.isVisible('#node-config-xmpp-none-warning'), false, 'and hides for STARTTLS');
    assert.equal(await page.inputValue('#node-config-input-password'), '__PWRD__', 'the password is not sent to the editor');
    await page.screenshot({ path: join(shots, 'config.png') });
    console.log(`      screenshots in ${shots}`);
  });

  it('opens a presence gate of an earlier version with the defaults of the fields it lacks', async () => {
    // Close what an earlier test left open (a connection dialog over a node dialog).
    for (const cancel of ['#node-config-dialog-cancel', '#node-dialog-cancel']) {
      if (!(await page.isVisible(cancel))) continue;
      await page.click(cancel);
      await page.waitForSelector(cancel, { state: 'detached', timeout: 10_000 });
    }
    await page.waitForSelector('#red-ui-editor-shade', { state: 'hidden', timeout: 10_000 });
    await page.dblclick('#ed-gate');
    await page.waitForSelector('#node-input-maxAsks', { timeout: 10_000 });
    const defaults = { holdCount: '100', holdTotal: '1000', holdRecipients: '100', holdAge: '3600', maxAsks: '100', askHours: '24' };
    for (const [field, value] of Object.entries(defaults)) assert.equal(await page.inputValue(`#node-input-${field}`), value, field);
    const tray = (await page.textContent('.red-ui-tray')) ?? '';
    assert.doesNotMatch(tray, /presence-gate\.(label|unit|mode|reason|placeholder)\./, 'no untranslated keys');
    // The hold limits belong to hold mode; presence requests and the store to every mode.
    await page.selectOption('#node-input-mode', 'divert');
    assert.equal(await page.isVisible('#node-input-holdTotal'), false);
    assert.equal(await page.isVisible('#node-input-maxAsks'), true);
    assert.equal(await page.isVisible('#node-input-store'), true);
    await page.screenshot({ path: join(shots, 'presence-gate.png') });
    await page.click('#node-dialog-cancel');
  });

  it('shows the OMEMO section: the encryption a node requires, and the connection\'s fingerprints from the running device', async () => {
    await page.goto(`${red.url}/`);
    await page.waitForSelector('#red-ui-palette .red-ui-palette-node', { timeout: 30_000 });
    await page.dblclick('#ed-secret');
    await page.waitForSelector('#node-input-encryption', { timeout: 10_000 });
    assert.equal(await page.inputValue('#node-input-encryption'), 'required');
    assert.match((await page.textContent('label[for="node-input-encryption"]')) ?? '', /Encryption/);
    await page.click('#node-input-btn-server-edit');
    // The OMEMO settings are on the connection dialog's Encryption tab.
    await page.waitForSelector('#node-config-xmpp-tabs', { timeout: 10_000 });
    await page.click('#node-config-xmpp-tabs .red-ui-tab:has-text("Encryption")');
    await page.waitForSelector('#node-config-input-omemo', { timeout: 10_000 });
    assert.equal(await page.isChecked('#node-config-input-omemo'), true);
    assert.equal(await page.isVisible('#node-config-input-omemoVerified'), true);
    assert.equal(await page.inputValue('#node-config-input-omemoVersions'), 'both', 'a field the flow left out shows its default');
    await page.waitForFunction(() => /OMEMO 2: [0-9a-f]{8}( [0-9a-f]{8}){7}/.test(document.querySelector('#node-config-xmpp-omemo-fingerprints')?.textContent ?? ''), undefined, { timeout: 15_000 });
    const tray = (await page.textContent('.red-ui-tray:last-of-type')) ?? '';
    assert.doesNotMatch(tray, /xmpp-config\.(label|placeholder|omemo|omemoVersions|tip)\./, `no untranslated keys: ${String(tray.match(/xmpp-config\.[\w.-]+/g))}`);
    await page.uncheck('#node-config-input-omemo');
    assert.equal(await page.isVisible('#node-config-input-omemoVerified'), false, 'the section folds away when off');
    await page.screenshot({ path: join(shots, 'omemo.png') });
  });
});
