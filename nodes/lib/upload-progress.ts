// How far a node's uploads have come, for its status: one percentage over all running at once.

export interface UploadTicket {
  /** Bytes sent so far, of `total`. */
  report(sent: number, total: number): void;
  /** The upload is over (done or failed). */
  end(): void;
}

export class UploadProgress {
  private readonly running = new Map<number, { sent: number; total: number }>();
  private next = 0;

  start(): UploadTicket {
    const id = this.next++;
    this.running.set(id, { sent: 0, total: 0 });
    return {
      report: (sent, total) => {
        if (this.running.has(id)) this.running.set(id, { sent, total });
      },
      end: () => {
        this.running.delete(id);
      },
    };
  }

  /** Uploads under way. */
  get active(): number {
    return this.running.size;
  }

  /** Bytes sent of all bytes to send, 0–100, rounded down (100 only when all are sent). */
  get percent(): number {
    let sent = 0;
    let total = 0;
    for (const upload of this.running.values()) {
      sent += upload.sent;
      total += upload.total;
    }
    return total === 0 ? 0 : Math.floor((100 * sent) / total);
  }
}
