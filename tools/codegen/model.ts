/** The parsed form of Kafka's JSON message specs that the emitters work from. */
import type { Versions } from './versions.js';

export type PrimitiveName =
  | 'bool'
  | 'int8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'float64'
  | 'uuid'
  | 'string'
  | 'bytes'
  | 'records';

export type FieldType =
  | { readonly kind: 'primitive'; readonly name: PrimitiveName }
  | { readonly kind: 'array'; readonly element: FieldType }
  | { readonly kind: 'struct'; readonly struct: StructSpec };

export interface FieldSpec {
  /** As written in the spec (`TopicData`). */
  readonly name: string;
  /** The TypeScript property (`topicData`). */
  readonly property: string;
  readonly type: FieldType;
  /** The versions in which the field exists (tagged or not). */
  readonly versions: Versions | null;
  readonly nullableVersions: Versions | null;
  readonly taggedVersions: Versions | null;
  readonly tag: number | null;
  /** A field-level override of the message's flexible versions (RequestHeader.ClientId: "none"). */
  readonly flexibleVersions: Versions | null | undefined;
  readonly ignorable: boolean;
  readonly defaultText: string | undefined;
  readonly about: string | undefined;
}

export interface StructSpec {
  readonly specName: string;
  /** The TypeScript interface name, unique across all generated modules. */
  typeName: string;
  readonly fields: readonly FieldSpec[];
  /** The versions in which this struct can appear in its message (null: never). */
  versions: Versions | null;
  /** Used as a (non-array) struct field somewhere, so a default value and a default check are emitted. */
  usedAsField: boolean;
}

export type MessageKind = 'request' | 'response' | 'header' | 'data' | 'metadata';

export interface MessageSpec {
  /** Path of the spec relative to the spec root, e.g. `messages/ProduceRequest.json`. */
  readonly file: string;
  readonly name: string;
  readonly kind: MessageKind;
  readonly apiKey: number | null;
  readonly validVersions: Versions;
  readonly flexibleVersions: Versions | null;
  readonly latestVersionUnstable: boolean;
  readonly listeners: readonly string[];
  readonly root: StructSpec;
  /** Every struct of the message other than the root, in order of first use. */
  readonly structs: readonly StructSpec[];
  /** Kebab-case module name without extension (`produce-request`). */
  readonly module: string;
  /** Deepest nesting of structs below the root (for the recursion bound). */
  readonly depth: number;
}
