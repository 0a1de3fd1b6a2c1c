import type { ByteReader, ByteWriter } from '../primitives/index.js';

/** The kinds of top-level schema in Kafka's JSON definitions. */
export type MessageKind = 'request' | 'response' | 'header' | 'data' | 'metadata';

/** An inclusive range of versions. */
export interface VersionRange {
  readonly min: number;
  readonly max: number;
}

/**
 * What the generated code knows about one message: its versions and its codec. `encode` and `decode`
 * handle every version in `validVersions` and reject any other with EncodeError/DecodeError. `decode`
 * returns byte fields as views of the reader's buffer, so the caller keeps that buffer unchanged while
 * the value is in use; `encode` references large Buffers (records) until the writer's output is sent.
 */
export interface MessageDescriptor<T> {
  readonly name: string;
  readonly apiKey?: number;
  readonly type: MessageKind;
  readonly validVersions: VersionRange;
  /** The first flexible version (all later versions are flexible too), or null when none is. */
  readonly flexibleVersions: { readonly min: number } | null;
  // Method syntax on purpose: it lets a MessageDescriptor<X> stand where a MessageDescriptor<unknown>
  // is expected (registries, tests) without `any`.
  encode(writer: ByteWriter, version: number, value: T): void;
  decode(reader: ByteReader, version: number): T;
}
