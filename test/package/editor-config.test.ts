// The connection dialog as a user sees it in a real Chromium: four tabs, every field where one
// looks for it, labels on one line and selects wide enough at the default width; invalid fields
// say what is wrong; Test connection logs in for real; JID fields suggest the roster's contacts.
// Writes the README's pictures to docs/.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { eventually, Peer } from '../rig/peer';
import { Prosody } from '../rig/prosody';
import { NodeRedProcess, printLogsIfFailed, REPO_ROOT, type FlowNode } from '../rig/node-red-process';
import { launchChromium } from '../rig/chromium';

const DOCS = join(REPO_ROOT, 'docs');

// Which tab holds which field: where someone setting up an account would look for it.
const TABS: Record<string, string[]> = {
  Connection: ['jid', 'password', 'transport', 'wsUrl', 'host', 'port', 'security', 'trust', 'ca', 'pin'],
  Presence: ['show', 'status', 'priority', 'subscriptions', 'rosterMax', 'identityCategory', 'identityType', 'identityName', 'discoItems', 'revealOs'],
  Delivery: ['queueCount', 'queueKB', 'queueAge', 'maxStanzaKB', 'pingInterval', 'pingTimeout', 'answerReceipts', 'carbons'],
  Encryption: ['omemo', 'omemoVerified', 'omemoVersions'],
};

describe('the connection dialog in a real Chromium', function () {
  this.timeout(90_000);
  let prosody: Prosody;
  let red: NodeRedProcess;
  let browser: Browser;
  let page: Page;
  let friend: Peer | undefined;

  before(async function () {
    this.timeout(120_000);
    prosody = await Prosody.start({ tls: true, iterations: 100 });
    await prosody.register('bot', 'bot-pw');
    await prosody.register('friend', 'friend-pw');
    // A contact in the bot's roster, online and away, for the suggestions.
    friend = await Peer.connect({ port: prosody.port, jid: 'friend@localhost', password: 'friend-pw', resource: 'phone', ignoreStarttls: true });
    const botSide = await Peer.connect({ port: prosody.port, jid: 'bot@localhost', password: 'bot-pw', resource: 'setup', ignoreStarttls: true });
    await friend.befriend(botSide);
    await botSide.stop();
    await friend.sendRaw(friend.xml('presence', {}, friend.xml('show', {}, 'away')));

    red = await NodeRedProcess.start();
    const flow: FlowNode[] = [
      { id: 'ec-tab', type: 'tab', label: 'Dialog check' },
      {
        id: 'ec-cfg',
        type: 'xmpp-config',
        name: 'dialog bot',
        jid: 'bot@localhost/editor',
        host: '127.0.0.1',
        port: String(prosody.port),
        security: 'starttls',
        trust: 'pin',
        pin: prosody.fingerprint256,
        credentials: { password: 'bot-pw' },
      },
      { id: 'ec-out', type: 'xmpp-out', z: 'ec-tab', name: '', server: 'ec-cfg', to: '', msgType: 'chat', subject: '', x: 250, y: 120, wires: [] },
    ];
    await red.deploy(flow);
    await eventually(() => prosody.sessionCount('bot@localhost'), (n) => n === 1, 15_000, 'the bot online');
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`${red.url}/`);
    await page.waitForSelector('#red-ui-palette .red-ui-palette-node', { timeout: 30_000 });
  });

  afterEach(async function () {
    printLogsIfFailed(this.currentTest, red, prosody);
    // A failed test leaves its dialogs open; the next one starts from the canvas.
    if (page) await closeDialogs();
  });

  after(async () => {
    await browser?.close();
    await friend?.stop();
    await red?.stop();
    await prosody?.stop();
  });

  /** Opens the xmpp-out node's dialog, and from it the connection's (unless only the node's is wanted). */
  async function openDialogs(connectionToo: boolean): Promise<void> {
    await page.dblclick('#ec-out');
    await page.waitForSelector('#node-input-to', { timeout: 10_000 });
    if (!connectionToo) return;
    await page.click('#node-input-btn-server-edit');
    await page.waitForSelector('#node-config-xmpp-tabs', { timeout: 10_000 });
  }

  async function closeDialogs(): Promise<void> {
    for (const cancel of ['#node-config-dialog-cancel', '#node-dialog-cancel']) {
      if (!(await page.isVisible(cancel))) continue;
      await page.click(cancel);
      await page.waitForSelector(cancel, { state: 'detached', timeout: 10_000 });
    }
    await page.waitForSelector('#red-ui-editor-shade', { state: 'hidden', timeout: 10_000 });
  }

  // Node-RED's tabs take a second click within 400 ms of the last one (on any tab) for a double
  // click and switch nothing: a person never clicks that fast, so neither does this test.
  let lastTabClick = 0;
  async function showTab(label: string): Promise<void> {
    const gap = lastTabClick + 450 - Date.now();
    if (gap > 0) await page.waitForTimeout(gap);
    await page.click(`#node-config-xmpp-tabs .red-ui-tab a:has-text("${label}")`);
    lastTabClick = Date.now();
    await page.waitForSelector(`#node-config-xmpp-tab-${label.toLowerCase()}`, { state: 'visible', timeout: 10_000 });
  }

  /** Types into a field as a user does (so Node-RED validates it) and returns the message its tooltip shows. */
  /**
   * Types value into the field and checks the message its tooltip shows once marked invalid. The
   * tooltip is read until it says `expected` (or 5 s pass): the mark of an earlier invalid value
   * can still be there while the new value is checked.
   */
  async function expectMessage(selector: string, value: string, expected: string): Promise<void> {
    await page.fill(selector, value);
    await page.press(selector, 'End');
    await page.waitForSelector(`${selector}.input-error`, { timeout: 5_000 });
    const deadline = Date.now() + 5_000;
    let text = '';
    do {
      await page.mouse.move(0, 0);
      await page.hover(selector);
      const tooltip = page.locator('.red-ui-popover:visible .red-ui-popover-content');
      await tooltip.first().waitFor({ timeout: 5_000 });
      text = ((await tooltip.first().textContent()) ?? '').trim();
      await page.mouse.move(0, 0);
      await page.locator('.red-ui-popover:visible').first().waitFor({ state: 'hidden', timeout: 5_000 });
    } while (text !== expected && Date.now() < deadline);
    assert.equal(text, expected, `the message for "${value}" in ${selector}`);
  }

  it('has four tabs, Connection, Presence, Delivery and Encryption, with every field in its tab, labels on one line and selects not cut', async () => {
    await openDialogs(true);
    const tabs = await page.$$eval('#node-config-xmpp-tabs .red-ui-tab', (els) => els.map((el) => el.textContent?.trim()));
    assert.deepEqual(tabs, ['Connection', 'Presence', 'Delivery', 'Encryption']);
    // The tray is as wide as Node-RED makes it by default.
    const width = await page.$eval('.red-ui-tray:has(#node-config-xmpp-tabs)', (el) => (el as HTMLElement).offsetWidth);
    assert.ok(width <= 520, `default tray width, not ${width}`);
    for (const [tab, fields] of Object.entries(TABS)) {
      await showTab(tab);
      // Every field is shown, so that each label and select can be measured.
      if (tab === 'Presence') await page.selectOption('#node-config-input-subscriptions', 'everyone');
      if (tab === 'Encryption') await page.check('#node-config-input-omemo');
      for (const field of fields) {
        const inTab = await page.$eval(`#node-config-input-${field}`, (el, id) => el.closest(`#${id}`) !== null, `node-config-xmpp-tab-${tab.toLowerCase()}`);
        assert.ok(inTab, `${field} in ${tab}`);
      }
      for (const [transport, trust] of [['tcp', 'ca'], ['websocket', 'pin']] as const) {
        if (tab === 'Connection') {
          await page.selectOption('#node-config-input-transport', transport);
          await page.selectOption('#node-config-input-trust', trust);
        }
        const problems = await page.$$eval(`#node-config-xmpp-tab-${tab.toLowerCase()} label, #node-config-xmpp-tab-${tab.toLowerCase()} select`, (els) => {
          const found: string[] = [];
          const canvas = document.createElement('canvas').getContext('2d') as CanvasRenderingContext2D;
          for (const el of els as HTMLElement[]) {
            if (el.offsetParent === null) continue; // hidden in this state
            // A field's row is one line: label, input and unit side by side (a text area is taller, and
            // so are our fingerprints: 64 hex digits each).
            const row = el.parentElement as HTMLElement;
            if (el.tagName === 'LABEL' && row.firstElementChild === el && row.querySelector('textarea, #node-config-xmpp-omemo-fingerprints') === null && row.offsetHeight > 40) {
              found.push(`the row of "${el.textContent?.trim()}" takes ${row.offsetHeight} px: something wrapped`);
            }
            if (el.tagName === 'LABEL') {
              const lineHeight = parseFloat(getComputedStyle(el).lineHeight) || 20;
              if (el.scrollWidth > el.clientWidth + 1 || el.offsetHeight > lineHeight * 1.5) found.push(`label "${el.textContent?.trim()}" wraps or is cut`);
            } else {
              const select = el as HTMLSelectElement;
              const style = getComputedStyle(select);
              canvas.font = `${style.fontSize} ${style.fontFamily}`;
              // Room for the text: the width less padding and the arrow.
              const room = select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - 20;
              for (const option of [...select.options]) {
                const needed = canvas.measureText(option.text).width;
                if (needed > room) found.push(`${select.id}: "${option.text}" needs ${Math.round(needed)} px, has ${Math.round(room)}`);
              }
            }
          }
          return found;
        });
        assert.deepEqual(problems, [], `${tab} (${transport}, ${trust})`);
      }
    }
    await closeDialogs();
  });

  it('says what is wrong with an invalid JID, port or pin, and with an invalid To of xmpp out', async () => {
    await openDialogs(false);
    await expectMessage('#node-input-to', 'not a jid', 'The domain has a character a domain cannot have (a space, @, /, \\, quotes or < >)');
    await page.click('#node-input-btn-server-edit');
    await page.waitForSelector('#node-config-xmpp-tabs', { timeout: 10_000 });
    await expectMessage('#node-config-input-jid', 'not a jid', 'The domain has a character a domain cannot have (a space, @, /, \\, quotes or < >)');
    await expectMessage('#node-config-input-jid', 'example.org', 'An account\'s JID needs a user part: user@example.org');
    await expectMessage('#node-config-input-port', '70000', 'A port is a whole number from 1 to 65535 (empty: 5222, or 5223 for direct TLS)');
    await expectMessage('#node-config-input-pin', 'AB:CD:EF', 'The pin is a SHA-256 fingerprint: 64 hex digits, colons allowed (AB:CD:…)');
    // Fixed, the marks go.
    await page.fill('#node-config-input-port', '');
    await page.type('#node-config-input-port', String(prosody.port));
    await page.waitForSelector('#node-config-input-port:not(.input-error)', { timeout: 5_000 });
    await showTab('Presence');
    await expectMessage('#node-config-input-priority', '300', 'Priority is a whole number from -128 to 127');
    await showTab('Delivery');
    await expectMessage('#node-config-input-pingInterval', '0', 'A whole number from 1 to 3600');
    await closeDialogs();
  });

  it('Test connection logs in with what the dialog holds: connected; an untrusted certificate offered for pinning; not authorized with a wrong password', async () => {
    await openDialogs(true);
    // The password field holds Node-RED's placeholder: the stored password is used.
    assert.equal(await page.inputValue('#node-config-input-password'), '__PWRD__');
    await page.click('#node-config-xmpp-test');
    await page.waitForSelector('#node-config-xmpp-test-result[data-code]', { timeout: 30_000 });
    const success = (await page.textContent('#node-config-xmpp-test-text')) ?? '';
    assert.equal(await page.getAttribute('#node-config-xmpp-test-result', 'data-code'), 'connected', success);
    assert.match(success, /^Connected as bot@localhost\/node-red-[0-9a-f]{8} with SCRAM-SHA-(1|256|512)(-PLUS)? over TLSv1\.[23]$/);
    mkdirSync(DOCS, { recursive: true });
    await page.locator('.red-ui-tray:has(#node-config-xmpp-tabs)').screenshot({ path: join(DOCS, 'config-dialog.png') });

    // The system's trust refuses the self-signed certificate; the answer offers to pin it, and pinned it works.
    await page.selectOption('#node-config-input-trust', 'system');
    await page.click('#node-config-xmpp-test');
    await page.waitForSelector('#node-config-xmpp-test-result[data-code="tls-untrusted"]', { timeout: 30_000 });
    assert.ok(((await page.textContent('#node-config-xmpp-test-text')) ?? '').includes(prosody.fingerprint256));
    await page.click('#node-config-xmpp-use-pin');
    assert.equal(await page.inputValue('#node-config-input-trust'), 'pin');
    assert.equal(await page.inputValue('#node-config-input-pin'), prosody.fingerprint256);
    await page.click('#node-config-xmpp-test');
    await page.waitForSelector('#node-config-xmpp-test-result[data-code="connected"]', { timeout: 30_000 });

    await page.fill('#node-config-input-password', 'not-the-password');
    await page.click('#node-config-xmpp-test');
    await page.waitForSelector('#node-config-xmpp-test-result[data-code="not-authorized"]', { timeout: 30_000 });
    assert.match((await page.textContent('#node-config-xmpp-test-text')) ?? '', /^Not connected: not authorized/);
    await closeDialogs();
  });

  it('suggests the connection\'s contacts, with their presence, after two typed characters', async () => {
    await openDialogs(false);
    await page.fill('#node-input-to', '');
    await page.type('#node-input-to', 'f');
    // One character is not enough.
    assert.equal(await page.isVisible('.red-ui-autoComplete-container'), false);
    // The caret to the end first: the dialog may have moved the focus meanwhile, and a new focus can put it first.
    await page.press('#node-input-to', 'End');
    await page.keyboard.type('r');
    const suggestion = page.locator('.red-ui-autoComplete-container .xmpp-flows-suggestion').filter({ hasText: 'friend@localhost' });
    await suggestion.waitFor({ timeout: 10_000 }).catch(async (error: unknown) => {
      const shown = await page.evaluate(() => ({ value: (document.querySelector('#node-input-to') as HTMLInputElement | null)?.value, list: document.querySelector('.red-ui-autoComplete-container')?.outerHTML ?? 'no list' }));
      console.log('      suggestions shown:', JSON.stringify(shown));
      throw error;
    });
    assert.equal(((await suggestion.locator('.xmpp-flows-presence').textContent()) ?? '').trim(), 'away');
    await page.locator('.red-ui-tray:has(#node-input-to)').screenshot({ path: join(DOCS, 'jid-suggestions.png') });
    await suggestion.click();
    assert.equal(await page.inputValue('#node-input-to'), 'friend@localhost');
    await page.waitForSelector('#node-input-to:not(.input-error)');
    await closeDialogs();
  });
});
