/**
 * Base class of every internal failure: a stable machine-readable `code` beside the message, and the
 * `cause` kept. Kafka protocol errors are values (see errors.ts), not subclasses of this.
 */
export abstract class PyralogError extends Error {
  abstract readonly code: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}
