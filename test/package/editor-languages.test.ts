// Every node in every shipped language, in a real Chromium: the editor picks the browser's
// language; each node's dialog opens in it without a console error or an untranslated key, its
// palette label is translated, and the help sidebar shows its help with the References section.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { eventually } from '../rig/peer';
import { Prosody } from '../rig/prosody';
import { declaredNodeTypes, NodeRedProcess, printLogsIfFailed, REPO_ROOT, type FlowNode } from '../rig/node-red-process';
import { launchChromium } from '../rig/chromium';

const LANGUAGES = ['en-US', 'de', 'ja'];

type Catalog = Record<string, Record<string, Record<string, string> | string>>;

function catalog(language: string, type: string): Catalog[string] {
  return (JSON.parse(readFileSync(join(REPO_ROOT, 'locales', language, `${type}.json`), 'utf8')) as Catalog)[type] as Catalog[string];
}

function text(section: Catalog[string], group: string, key: string): string {
  const value = (section[group] as Record<string, string> | undefined)?.[key];
  assert.ok(typeof value === 'string', `${group}.${key}`);
  return value;
}

/** The headings of a help file, in order; the last one is References. */
function helpHeadings(language: string, type: string): string[] {
  const html = readFileSync(join(REPO_ROOT, 'locales', language, `${type}.html`), 'utf8');
  return [...html.matchAll(/<h3>([^<]+)<\/h3>/g)].map((m) => (m[1] as string).trim());
}

// A raw message key on screen means a missing translation or a wrong key.
const RAW_KEY = /\b(xmpp-config|xmpp-in|xmpp-out|presence-gate|disco-query|iq-rpc|xmpp-command)\.[a-z-]+\.[a-zA-Z-]+/;

describe('the editor in every shipped language, in a real Chromium', function () {
  this.timeout(120_000);
  let prosody: Prosody;
  let red: NodeRedProcess;
  let browser: Browser;
  const types = declaredNodeTypes().filter((t) => t !== 'xmpp-config');

  before(async function () {
    this.timeout(120_000);
    prosody = await Prosody.start({ iterations: 100 });
    await prosody.register('bot', 'bot-pw');
    red = await NodeRedProcess.start();
    const flow: FlowNode[] = [
      { id: 'lg-tab', type: 'tab', label: 'Languages' },
      { id: 'lg-cfg', type: 'xmpp-config', name: 'language bot', jid: 'bot@localhost/languages', host: '127.0.0.1', port: String(prosody.port), security: 'none', credentials: { password: 'bot-pw' } },
      ...types.map((type, i): FlowNode => ({ id: `lg-${type}`, type, z: 'lg-tab', name: '', server: 'lg-cfg', x: 200 + 250 * (i % 3), y: 80 + 100 * Math.floor(i / 3), wires: [] })),
    ];
    await red.deploy(flow);
    await eventually(() => prosody.sessionCount('bot@localhost'), (n) => n === 1, 15_000, 'the bot online');
    browser = await launchChromium();
  });

  afterEach(function () {
    printLogsIfFailed(this.currentTest, red, prosody);
  });

  after(async () => {
    await browser?.close();
    await red?.stop();
    await prosody?.stop();
  });

  for (const language of LANGUAGES) {
    describe(language, () => {
      let context: BrowserContext;
      let page: Page;
      const errors: string[] = [];

      before(async () => {
        context = await browser.newContext({ locale: language, viewport: { width: 1400, height: 900 } });
        page = await context.newPage();
        page.on('console', (message) => {
          if (message.type() === 'error') errors.push(message.text());
        });
        page.on('pageerror', (error) => errors.push(error.message));
        await page.goto(`${red.url}/`);
        await page.waitForSelector('#red-ui-palette .red-ui-palette-node', { timeout: 30_000 });
        await page.waitForSelector('#lg-xmpp-in', { timeout: 30_000 });
      });

      after(async () => {
        await context?.close();
      });

      it('translates the palette labels', async () => {
        for (const type of types) {
          // The palette breaks a label over lines at its spaces.
          const label = (await page.textContent(`.red-ui-palette-node[data-palette-type="${type}"] .red-ui-palette-label`))?.replace(/\s+/g, ' ').trim();
          const wanted = catalog(language, type)['palette-label'];
          assert.ok(typeof wanted === 'string');
          assert.equal(label, wanted, `${type} in the palette`);
        }
      });

      for (const type of types) {
        it(`opens the ${type} dialog in ${language}, without console errors or untranslated keys`, async () => {
          errors.length = 0;
          // A failed test before this one may have left dialogs open: start from a fresh editor.
          if ((await page.$('#node-dialog-cancel')) || (await page.$('#node-config-dialog-cancel'))) {
            await page.reload();
            await page.waitForSelector('#lg-xmpp-in', { timeout: 30_000 });
            errors.length = 0;
          }
          await page.dblclick(`#lg-${type}`);
          await page.waitForSelector('#node-input-server', { timeout: 10_000 });
          const label = (await page.textContent('label[for="node-input-server"]'))?.trim();
          assert.equal(label, text(catalog(language, type), 'label', 'server'));
          const tray = (await page.textContent('.red-ui-tray')) ?? '';
          assert.doesNotMatch(tray, RAW_KEY, 'no untranslated keys');
          if (type === 'xmpp-in') {
            // The connection's own dialog, over this one.
            await page.click('#node-input-btn-server-edit');
            await page.waitForSelector('#node-config-input-jid', { timeout: 10_000 });
            const configTray = (await page.textContent('.red-ui-tray:last-of-type')) ?? '';
            assert.doesNotMatch(configTray, RAW_KEY, 'no untranslated keys in the connection dialog');
            assert.ok(configTray.includes(text(catalog(language, 'xmpp-config'), 'tabs', 'connection')), 'the Connection tab in this language');
            await page.click('#node-config-dialog-cancel');
            await page.waitForSelector('#node-config-dialog-cancel', { state: 'detached', timeout: 10_000 });
          }
          await page.click('#node-dialog-cancel');
          await page.waitForSelector('#node-dialog-cancel', { state: 'detached', timeout: 10_000 });
          assert.deepEqual(errors, [], 'console errors');
        });
      }

      it('shows every node help in the sidebar in this language, with its References', async () => {
        for (const type of [...types, 'xmpp-config']) {
          const headings = helpHeadings(language, type);
          const references = headings[headings.length - 1] as string;
          await page.evaluate((t) => (window as unknown as { RED: { sidebar: { help: { show(type: string): void } } } }).RED.sidebar.help.show(t), type);
          const help = await eventually(
            () => page.$$eval('.red-ui-help', (panels) => panels.map((panel) => panel.textContent ?? '').join('\n')),
            (shown) => (shown ?? '').includes(references),
            10_000,
            `${type}'s help with "${references}"`,
          );
          for (const heading of headings) assert.ok((help ?? '').includes(heading), `${type}: "${heading}"`);
          const links = await page.$$eval('.red-ui-help a[href]', (as) => as.map((a) => a.getAttribute('href') ?? ''));
          assert.ok(links.some((href) => /xmpp\.org|rfc-editor\.org/.test(href)), `${type}: links to the standards`);
        }
      });
    });
  }
});
