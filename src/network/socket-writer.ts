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

  /** Runs on the tick after the first write: one function for every writer, no closure per tick. */
  private static uncork(this: void, writer: SocketWriter): void {
    writer.isCorked = false;
    writer.socket.uncork();
  }

  /**
   * Queues the chunks of one frame; back-pressure is the caller's (e.g. `socket.writableLength`).
   * `onWritten` runs once the kernel took all of them (not when the write fails: the socket is then
   * being destroyed and the chunks may still be referenced by the failed request).
   */
  write(chunks: readonly Buffer[], onWritten?: () => void): void {
    if (!this.isCorked) {
      this.isCorked = true;
      this.socket.cork();
      process.nextTick(SocketWriter.uncork, this);
    }
    const last = chunks.length - 1;
    for (let index = 0; index < last; index += 1) this.socket.write(chunks[index]!);
    if (last < 0) {
      onWritten?.();
      return;
    }
    if (onWritten === undefined) this.socket.write(chunks[last]!);
    else
      this.socket.write(chunks[last]!, (error) => {
        if (error === undefined || error === null) onWritten();
      });
  }
}
