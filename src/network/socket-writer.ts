import type { Socket } from 'node:net';

/**
 * Writes frames given as chunk arrays without copying them: every write made in the same tick goes
 * out in one vectored write (the socket is corked on the first and uncorked on the next tick), so a
 * burst of pipelined requests or responses costs one syscall, and record chunks are handed to the
 * kernel as they are. The chunks must not change until written.
 */
export class SocketWriter {
  private isCorked = false;

  constructor(private readonly socket: Socket) {}

  /** Queues the chunks of one frame; back-pressure is the caller's (e.g. `socket.writableLength`). */
  write(chunks: readonly Buffer[]): void {
    if (!this.isCorked) {
      this.isCorked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.isCorked = false;
        this.socket.uncork();
      });
    }
    for (const chunk of chunks) this.socket.write(chunk);
  }
}
