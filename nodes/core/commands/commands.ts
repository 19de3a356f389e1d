// Ad-hoc commands (XEP-0050), both ways: serving the flow's commands (announced in disco while
// any is served; the list shows each asker only what it may run, and each command node says
// what it is), and running others'.
import type { Disco } from '../disco/disco';
import type { DiscoInfo } from '../disco/disco-stanza';
import { NS_COMMANDS, NS_DATA } from '../namespaces';
import type { ClientPort } from '../port';
import { CommandCaller } from './command-caller';
import { CommandServer, type CommandDefinition, type CommandHandler } from './command-server';
import type { SessionLimits } from './command-sessions';

const ANYONE = { mode: 'anyone', callers: [] } as const;

export class Commands extends CommandCaller {
  private readonly server: CommandServer;
  private listRemover: (() => void) | undefined;

  constructor(
    private readonly commandPort: Pick<ClientPort, 'xml' | 'request' | 'maxStanzaBytes' | 'handleIq' | 'jid'>,
    private readonly discovery: Pick<Disco, 'addFeature' | 'answerNode' | 'items'>,
    limits?: SessionLimits,
    now?: () => number,
  ) {
    super(commandPort, discovery);
    this.server = new CommandServer(commandPort, limits, now);
  }

  /** Serves one command until the returned remover is called. */
  serve(definition: CommandDefinition, handler: CommandHandler): () => void {
    const removers = [this.server.serve(definition, handler), this.discovery.addFeature(NS_COMMANDS), this.describeNode(definition.node)];
    if (!this.listRemover) this.listRemover = this.answerList();
    return () => {
      for (const remove of removers) remove();
      if (this.server.serving === 0) {
        this.listRemover?.();
        this.listRemover = undefined;
      }
    };
  }

  get openSessions(): number {
    return this.server.openSessions;
  }

  /** disco#items of the commands node: what the asker may run, nothing else (not even a hint). */
  private answerList(): () => void {
    return this.discovery.answerNode(
      NS_COMMANDS,
      (kind, from, respond) => {
        if (kind === 'items') respond(this.server.visibleTo(from).map((c) => ({ jid: this.commandPort.jid, node: c.node, name: c.name })));
        else respond({ identities: [{ category: 'automation', type: 'command-list' }], features: [NS_COMMANDS], forms: [] });
      },
      { access: ANYONE },
    );
  }

  /** disco#info of a command node, for those who may run it (others: item-not-found). */
  private describeNode(node: string): () => void {
    return this.discovery.answerNode(
      node,
      (kind, from, respond) => {
        const command = this.server.commandFor(node, from);
        const info: DiscoInfo | undefined = command ? { identities: [{ category: 'automation', type: 'command-node', name: command.name }], features: [NS_COMMANDS, NS_DATA], forms: [] } : undefined;
        respond(kind === 'info' ? info : command ? [] : undefined);
      },
      { access: ANYONE },
    );
  }
}
