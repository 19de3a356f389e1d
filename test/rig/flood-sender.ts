// A flooding XMPP account in a process of its own, so that writing thousands of stanzas does not
// slow down the test process that measures Node-RED. Run by flood.ts through fork(): it logs in,
// says {event: 'online'}; on {command: 'flood', to, count} sends `count` chat messages as fast as
// it can and says {event: 'sent', ms}; on {command: 'stop'} logs out and exits.
import { Peer } from './peer';

interface FloodCommand {
  command: 'flood' | 'stop';
  to?: string;
  count?: number;
}

function say(event: Record<string, unknown>): void {
  process.send?.(event);
}

async function main(): Promise<void> {
  const [port, jid, password] = process.argv.slice(2);
  if (!port || !jid || !password) throw new Error('usage: flood-sender PORT JID PASSWORD');
  const peer = await Peer.connect({ port: Number(port), jid, password, resource: 'flood' });
  process.on('message', (message: FloodCommand) => {
    if (message.command === 'flood') {
      const startedAt = Date.now();
      const count = message.count ?? 0;
      const to = message.to ?? '';
      // All at once: xmpp.js queues the writes; the socket drains as fast as Prosody reads.
      Promise.all(Array.from({ length: count }, (_, i) => peer.send(to, `flood ${i}`))).then(
        () => say({ event: 'sent', ms: Date.now() - startedAt }),
        (error: unknown) => say({ event: 'error', message: String(error) }),
      );
    } else if (message.command === 'stop') {
      void peer.stop().finally(() => process.exit(0));
    }
  });
  say({ event: 'online' });
}

main().catch((error: unknown) => {
  say({ event: 'error', message: String(error) });
  process.exit(1);
});
