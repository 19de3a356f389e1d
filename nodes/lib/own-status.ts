// A using node's status on top of its connection's: the connection's (or what the node sets)
// while that is not green, the node's own news once it is, redrawn at most once a period.
import type { Node, NodeStatus } from 'node-red';

export class OwnStatus {
  /** What to register with the connection as the node's status sink: the connection's status becomes the base. */
  readonly sink = (status: NodeStatus): void => this.set(status);
  private base: NodeStatus = {};
  private timer: NodeJS.Timeout | undefined;
  private drawnNews: string | undefined;
  private closed = false;
  private readonly show: (status: NodeStatus) => void;

  constructor(
    node: Node,
    private readonly news: () => NodeStatus | undefined,
    private readonly everyMs = 1000,
  ) {
    this.show = node.status.bind(node);
  }

  /** The base status: the connection's, or one the node sets itself (e.g. a room's). */
  set(status: NodeStatus): void {
    this.base = status;
    this.draw();
  }

  /**
   * The news changed: drawn now, then at most once per period however often it changes (a
   * flood must not become a flood of status updates to the editor), and once more at the end.
   */
  changed(): void {
    if (this.timer || this.closed) return;
    this.draw();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.newsText() !== this.drawnNews) this.changed();
    }, this.everyMs);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private newsText(): string | undefined {
    return this.news()?.text?.toString();
  }

  private draw(): void {
    if (this.closed) return;
    const news = this.news();
    this.drawnNews = news?.text?.toString();
    // Trouble with the connection (or a room: red, yellow) comes first; the news only while all is well.
    this.show((this.base.fill === 'green' ? news : undefined) ?? this.base);
  }
}
