/**
 * The connection's two ordered queues (conn.ts: reading, writing) and its
 * rate limit on post-handshake messages.
 */
import { TlsError } from '../errors.js';

/** One serial queue: jobs run in order, one at a time. */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private pending = 0;

  /** No job queued or running. */
  get idle(): boolean {
    return this.pending === 0;
  }

  /** Runs `job` after every job queued before it (whether they succeeded or not). */
  run<T>(job: () => Promise<T>): Promise<T> {
    this.pending++;
    const next = this.tail.then(job, job);
    const done = () => {
      this.pending--;
    };
    this.tail = next.then(done, done);
    return next;
  }
}

/** At most `max` events in any second, by the clock `now` (milliseconds). */
export class RateLimit {
  private readonly times: number[] = [];

  constructor(
    private readonly max: number,
    private readonly now: () => number,
  ) {}

  /** Counts one event; throws LIMIT_EXCEEDED (unexpected_message) past the limit. */
  check(): void {
    const now = this.now();
    const times = this.times;
    while (times.length && now - times[0]! >= 1000) times.shift();
    times.push(now);
    if (times.length > this.max) {
      throw new TlsError('LIMIT_EXCEEDED', 'too many post-handshake messages per second', {
        alert: 'unexpected_message',
      });
    }
  }
}
