/**
 * A one-line transfer meter on stderr, redrawn a few times a second once a
 * transfer has lasted a second, so short exchanges print nothing.
 */

/** Where the meter is drawn: a writable text stream, usually stderr. */
export interface ProgressSink {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

function size(n: number): string {
  if (n < 1024) return `${Math.round(n)} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

/** The transfer meter: counts bytes each way and redraws one status line until stopped. */
export class Progress {
  received = 0;
  sent = 0;
  private readonly start = Date.now();
  private timer: ReturnType<typeof setInterval> | null = null;
  private shown = false;
  private everShown = false;
  /** False while stdout (the same terminal) is mid-line: drawing then would split the user's text. */
  private lineClear = true;

  constructor(
    private readonly out: ProgressSink,
    private readonly options: { sharesTerminalWithData: boolean; delayMs?: number; intervalMs?: number },
  ) {
    const delay = options.delayMs ?? 1000;
    const interval = options.intervalMs ?? 250;
    const t = setTimeout(() => {
      this.draw();
      this.timer = setInterval(() => this.draw(), interval);
      this.timer.unref?.();
    }, delay);
    t.unref?.();
    this.cancelStart = () => clearTimeout(t);
  }
  private readonly cancelStart: () => void;

  line(): string {
    const secs = Math.max(0.001, (Date.now() - this.start) / 1000);
    return `received ${size(this.received)} (${size(this.received / secs)}/s), sent ${size(this.sent)}, ${secs.toFixed(1)} s`;
  }

  private draw(): void {
    if (!this.lineClear) return;
    this.out.write(`\r\x1b[K${this.line()}`);
    this.shown = true;
    this.everShown = true;
  }

  /** Call before writing data to a terminal that also shows the meter. */
  beforeData(): void {
    if (this.shown && this.options.sharesTerminalWithData) {
      this.out.write('\r\x1b[K');
      this.shown = false;
    }
  }

  afterData(chunk: Uint8Array): void {
    if (this.options.sharesTerminalWithData && chunk.length) this.lineClear = chunk[chunk.length - 1] === 0x0a;
  }

  /** Stops the meter; leaves a final line if one was drawn. */
  stop(): void {
    this.cancelStart();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    // A last line with the totals, once the meter has been seen at all.
    if (this.shown || (this.everShown && this.lineClear)) {
      this.out.write(`\r\x1b[K${this.line()}\n`);
      this.shown = false;
    }
  }
}
