import { createServer, type Server, type Socket } from 'node:net';
import { ListenerConfigError, type ListenerEndpoint } from './listener-config.js';

/** Where a listener is bound: the actual port when the endpoint asked for port 0. */
export interface BoundListener extends ListenerEndpoint {
  readonly family: string;
}

/**
 * One named listener (`PLAINTEXT://host:port`): a server socket that hands each accepted connection
 * to `onConnection`. Only PLAINTEXT is served for now; `createTransport` is the seam where TLS (and
 * SASL's handshake, in the connection) will plug in, since a TLSSocket is a net.Socket.
 */
export class KafkaListener {
  private readonly server: Server;
  private bound: BoundListener | undefined;

  /** Throws ListenerConfigError for a security protocol not served yet. */
  constructor(
    readonly endpoint: ListenerEndpoint,
    onConnection: (socket: Socket, listener: KafkaListener) => void,
  ) {
    this.server = createTransport(endpoint, (socket) => onConnection(socket, this));
  }

  /** Starts accepting; resolves with the bound address, rejects with the bind error (e.g. EADDRINUSE). */
  listen(): Promise<BoundListener> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error): void => reject(error);
      this.server.once('error', onError);
      const host = this.endpoint.host === '' ? undefined : this.endpoint.host;
      this.server.listen({ host, port: this.endpoint.port }, () => {
        this.server.off('error', onError);
        const address = this.server.address();
        if (address === null || typeof address === 'string') {
          reject(new Error(`listener ${this.endpoint.name} has no TCP address`));
          return;
        }
        this.bound = { ...this.endpoint, host: address.address, port: address.port, family: address.family };
        resolve(this.bound);
      });
    });
  }

  /** The bound address once `listen` resolved. */
  get address(): BoundListener | undefined {
    return this.bound;
  }

  /**
   * Stops accepting at once. The promise resolves when every connection this listener accepted has
   * closed too (node's semantics), so a caller closes or drains them first.
   */
  stopAccepting(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server.listening) {
        resolve();
        return;
      }
      this.server.close(() => resolve());
    });
  }
}

function createTransport(endpoint: ListenerEndpoint, onSocket: (socket: Socket) => void): Server {
  switch (endpoint.securityProtocol) {
    case 'PLAINTEXT':
      return createServer({ noDelay: true }, onSocket);
    case 'SSL':
    case 'SASL_PLAINTEXT':
    case 'SASL_SSL':
      throw new ListenerConfigError(
        `listener ${endpoint.name}: security protocol ${endpoint.securityProtocol} is not supported yet ` +
          '(only PLAINTEXT is served)',
      );
  }
}
