import { Socket } from 'node:net';

/** Counts the writes Node hands to sockets bound for one port; `restore()` puts Socket back as it was. */
export interface SocketWriteCounter {
  /** Writes (each one syscall that wakes the receiver) since the start or the last reset. */
  readonly count: number;
  reset(): void;
  restore(): void;
}

/**
 * Wraps Socket.prototype's `_write` and `_writev` (every socket of this process) to count the writes
 * to `remotePort`: a test of how many syscalls a batch of frames costs. Call `restore()` in a finally.
 */
export function countSocketWrites(remotePort: number): SocketWriteCounter {
  const proto = Socket.prototype as unknown as Record<'_write' | '_writev', (...args: unknown[]) => unknown>;
  const original = { _write: proto._write, _writev: proto._writev };
  let writes = 0;
  for (const name of ['_write', '_writev'] as const) {
    proto[name] = function (this: Socket, ...args: unknown[]) {
      if (this.remotePort === remotePort) writes += 1;
      return original[name].apply(this, args);
    };
  }
  return {
    get count() {
      return writes;
    },
    reset: () => {
      writes = 0;
    },
    restore: () => {
      Object.assign(proto, original);
    },
  };
}
