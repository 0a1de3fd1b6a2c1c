// Integration-test helper: a TCP proxy in front of a broker whose port may change between restarts.
// It forwards bytes both ways and reads the Kafka frames only to match each response to its
// request's API key, so that a test can swallow one Produce response and cut that connection: the
// broker has appended the batch, the client never learns it and retries, as after a response lost
// in a crash. While held, new connections wait (accepted, not yet forwarded) until `release`.
import { connect, createServer, type Server, type Socket } from 'node:net';

const PRODUCE_API_KEY = 0;

/** Splits complete size-prefixed frames off `buffer`; returns them and the rest. */
function takeFrames(buffer: Buffer): { frames: Buffer[]; rest: Buffer } {
  const frames: Buffer[] = [];
  let offset = 0;
  while (buffer.length - offset >= 4) {
    const size = buffer.readInt32BE(offset);
    if (buffer.length - offset - 4 < size) break;
    frames.push(buffer.subarray(offset, offset + 4 + size));
    offset += 4 + size;
  }
  return { frames, rest: buffer.subarray(offset) };
}

export class ResponseDroppingProxy {
  private dropArmed: (() => void) | undefined;
  private holdAfterDrop = false;
  private gate: Promise<void> = Promise.resolve();
  private openGate: (() => void) | undefined;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly targetPort: () => number,
  ) {
    server.on('connection', (client) => this.accept(client));
  }

  /** Listens on 127.0.0.1 (port 0) and forwards each connection to 127.0.0.1:`targetPort()`. */
  static start(targetPort: () => number): Promise<ResponseDroppingProxy> {
    const server = createServer();
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        if (address === null || typeof address === 'string') throw new Error('no TCP address');
        resolve(new ResponseDroppingProxy(server, address.port, targetPort));
      });
    });
  }

  /**
   * Swallows the next Produce response and closes its connection; resolves once that happened.
   * With `hold`, connections made afterwards wait until `release` (the test restarts the broker
   * meanwhile, so the client's retry reaches the new process).
   */
  dropNextProduceResponse(options: { hold?: boolean } = {}): Promise<void> {
    this.holdAfterDrop = options.hold === true;
    return new Promise((resolve) => {
      this.dropArmed = resolve;
    });
  }

  /** Lets held connections through. */
  release(): void {
    this.openGate?.();
    this.openGate = undefined;
  }

  async close(): Promise<void> {
    this.release();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    socket.on('error', () => {});
  }

  private accept(client: Socket): void {
    this.track(client);
    client.pause();
    void this.gate.then(() => {
      if (client.destroyed) return;
      const upstream = connect(this.targetPort(), '127.0.0.1');
      this.track(upstream);
      this.pipe(client, upstream);
      client.resume();
    });
  }

  private pipe(client: Socket, upstream: Socket): void {
    const apiKeys = new Map<number, number>();
    let requests: Buffer = Buffer.alloc(0);
    let responses: Buffer = Buffer.alloc(0);
    const closeBoth = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.once('close', closeBoth);
    upstream.once('close', closeBoth);
    client.on('data', (chunk: Buffer) => {
      upstream.write(chunk);
      const taken = takeFrames(Buffer.concat([requests, chunk]));
      requests = taken.rest;
      for (const frame of taken.frames) apiKeys.set(frame.readInt32BE(8), frame.readInt16BE(4));
    });
    upstream.on('data', (chunk: Buffer) => {
      const taken = takeFrames(Buffer.concat([responses, chunk]));
      responses = taken.rest;
      for (const frame of taken.frames) {
        const correlationId = frame.readInt32BE(4);
        if (apiKeys.get(correlationId) === PRODUCE_API_KEY && this.dropArmed !== undefined) {
          const dropped = this.dropArmed;
          this.dropArmed = undefined;
          if (this.holdAfterDrop) {
            this.gate = new Promise((resolve) => {
              this.openGate = resolve;
            });
          }
          closeBoth();
          dropped();
          return;
        }
        apiKeys.delete(correlationId);
        client.write(frame);
      }
    });
  }
}
