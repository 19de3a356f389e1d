// `npm run demo`: a Prosody on 127.0.0.1 with two accounts, this package packed and installed into
// a Node-RED 4.1 under .demo/, and an echo bot deployed. Ctrl-C stops Node-RED, then Prosody.
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Prosody } from '../test/rig/prosody';
import { echoBotFlow, NodeRedProcess, REPO_ROOT } from '../test/rig/node-red-process';

const DEMO_DIR = join(REPO_ROOT, '.demo');
const USER_DIR = join(DEMO_DIR, 'node-red');
const LOG_FILE = join(DEMO_DIR, 'node-red.log');

function say(text = ''): void {
  process.stdout.write(`${text}\n`);
}

function httpPort(): number {
  const text = process.env.PORT ?? '1880';
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`PORT must be a TCP port number, not "${text}"`);
  return port;
}

async function main(): Promise<void> {
  const port = httpPort();
  if (!existsSync(join(REPO_ROOT, 'node_modules', 'node-red', 'red.js'))) {
    throw new Error('Node-RED is not installed here: run `npm ci` first.');
  }

  let prosody: Prosody | undefined;
  let red: NodeRedProcess | undefined;
  // Settles when the servers that are being started have started (or failed to).
  let startup: Promise<unknown> = Promise.resolve();
  let stopRequested = false;
  let requestStop = (): void => undefined;
  const stopped = new Promise<void>((resolve) => {
    requestStop = resolve;
  });

  const stopAll = async (): Promise<void> => {
    // Node-RED first, so that the bot's session ends cleanly while its server is still there.
    const node = red;
    red = undefined;
    await node?.stop();
    const server = prosody;
    prosody = undefined;
    await server?.stop();
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopRequested) return;
    stopRequested = true;
    requestStop();
    say(`\n${signal}: stopping Node-RED and Prosody...`);
    startup
      .catch(() => undefined)
      .then(stopAll)
      .then(
        () => {
          say('Stopped.');
          process.exit(0);
        },
        (error: unknown) => {
          process.stderr.write(`while stopping: ${error instanceof Error ? error.message : String(error)}\n`);
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);

  const botPassword = `bot-${randomBytes(4).toString('hex')}`;
  const youPassword = `you-${randomBytes(4).toString('hex')}`;
  let bot = '';
  let you = '';
  try {
    const setup = (async () => {
      say('Starting Prosody on 127.0.0.1 (installing it with apt-get first if it is missing and we are root)...');
      prosody = await Prosody.start();
      if (stopRequested) return;
      bot = await prosody.register('bot', botPassword);
      you = await prosody.register('you', youPassword);

      // A fresh demo each run: an old flow would point at a Prosody that is gone.
      mkdirSync(USER_DIR, { recursive: true });
      for (const file of ['flows.json', 'flows_cred.json', '.flows.json.backup', '.flows_cred.json.backup']) {
        rmSync(join(USER_DIR, file), { force: true });
      }
      const log = createWriteStream(LOG_FILE, { flags: 'w' });
      say(`Packing the package, installing it into ${USER_DIR} and starting Node-RED on 127.0.0.1:${port}...`);
      red = await NodeRedProcess.start({ port, userDir: USER_DIR, logLevel: 'info', onOutput: (text) => log.write(text) });
      if (stopRequested) return;
      await red.deploy(echoBotFlow({ jid: bot, password: botPassword, host: '127.0.0.1', port: prosody.port, security: 'none' }));
    })();
    startup = setup;
    await setup;
    if (stopRequested || !red || !prosody) return;

    const online = red.waitForLog(/connected as bot@localhost/, 60_000);
    await Promise.race([online, stopped]);
    if (stopRequested) return;

    say();
    say('The XMPP echo bot is running.');
    say();
    say(`  Node-RED editor  ${red.url}/`);
    say(`  XMPP server      127.0.0.1:${prosody.port}  (domain "localhost"; plain TCP without TLS, on loopback only)`);
    say();
    say('  Accounts, to log in from any XMPP client (Gajim, Dino, Profanity...) with server 127.0.0.1,');
    say(`  port ${prosody.port}, and an unencrypted connection allowed:`);
    say(`    ${you.padEnd(15)} password ${youPassword}   <- you`);
    say(`    ${bot.padEnd(15)} password ${botPassword}   <- the bot (Node-RED is logged in as it)`);
    say();
    say(`  Send ${bot} a chat message from ${you}: it answers with "echo: " and your text.`);
    say('  The flow is the "XMPP echo bot" tab in the editor (from examples/Echo bot.json).');
    say();
    say(`  Node-RED's log: ${LOG_FILE}`);
    say('  Press Ctrl-C to stop Node-RED and Prosody.');

    await Promise.race([red.exited, stopped]);
    if (stopRequested) return;
    process.stderr.write(`Node-RED exited on its own; see ${LOG_FILE}\n`);
    await stopAll();
    process.exit(1);
  } catch (error) {
    if (stopRequested) return;
    process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
    await stopAll();
    process.exit(1);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
