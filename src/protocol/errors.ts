// Kafka protocol errors: lookups over the table in error-codes.ts and the KafkaError class.
// On the broker side errors are values: a handler writes `ErrorCode.X` into its response (per
// partition where the API has them) and never throws to report one. KafkaError is for client code
// and internal plumbing that must throw what a peer answered.
import { KAFKA_ERROR_TABLE } from './error-codes.js';
import { PyralogError } from './pyralog-error.js';

/** A Kafka error name, exactly as in Kafka's Errors enum, e.g. 'NOT_LEADER_OR_FOLLOWER'. */
export type KafkaErrorName = keyof typeof KAFKA_ERROR_TABLE;

/** Every error except NONE: the ones a KafkaError can stand for. */
export type KafkaFailureName = Exclude<KafkaErrorName, 'NONE'>;

/** One Kafka error code with its facts. */
export interface KafkaErrorInfo {
  readonly name: KafkaErrorName;
  readonly code: number;
  /** True when Kafka's Java client classifies the error as retriable (a RetriableException). */
  readonly retriable: boolean;
  /** Kafka's default message; empty for NONE. */
  readonly message: string;
}

type ErrorCodeByName = { readonly [Name in KafkaErrorName]: (typeof KAFKA_ERROR_TABLE)[Name]['code'] };

/** Kafka error name → wire code, e.g. `ErrorCode.OFFSET_OUT_OF_RANGE === 1`. */
export const ErrorCode: ErrorCodeByName = Object.freeze(
  Object.fromEntries(Object.entries(KAFKA_ERROR_TABLE).map(([name, row]) => [name, row.code])),
) as ErrorCodeByName;

/** A known Kafka error code (the union of ErrorCode's values). */
export type ErrorCode = ErrorCodeByName[KafkaErrorName];

/** Every known error, in ascending code order (-1 first). */
export const KAFKA_ERRORS: readonly KafkaErrorInfo[] = Object.freeze(
  (Object.keys(KAFKA_ERROR_TABLE) as KafkaErrorName[])
    .map((name): KafkaErrorInfo => Object.freeze({ name, ...KAFKA_ERROR_TABLE[name] }))
    .sort((a, b) => a.code - b.code),
);

const byCode = new Map<number, KafkaErrorInfo>(KAFKA_ERRORS.map((info) => [info.code, info]));

/** The facts of a wire error code, or undefined for a code this table does not know. */
export function errorByCode(code: number): KafkaErrorInfo | undefined {
  return byCode.get(code);
}

/** The Kafka name of a wire error code; `UNKNOWN_ERROR_CODE_<code>` for a code this table does not know. */
export function errorName(code: number): KafkaErrorName | `UNKNOWN_ERROR_CODE_${number}` {
  return byCode.get(code)?.name ?? `UNKNOWN_ERROR_CODE_${code}`;
}

/**
 * A Kafka protocol error thrown by code that cannot answer with a value, e.g. a client whose request
 * came back with an error code. `code` is the Kafka name (stable, for matching), `errorCode` the number
 * on the wire, `retriable` the Java client's classification. The message defaults to Kafka's.
 */
export class KafkaError extends PyralogError {
  readonly code: KafkaFailureName;
  readonly errorCode: number;
  readonly retriable: boolean;

  constructor(name: KafkaFailureName, message?: string, options?: { cause?: unknown; errorCode?: number }) {
    const row = KAFKA_ERROR_TABLE[name];
    super(message ?? row.message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = name;
    this.errorCode = options?.errorCode ?? row.code;
    this.retriable = row.retriable;
  }
}

/** A KafkaError for `name`, with Kafka's default message unless `message` is given. */
export function kafkaError(name: KafkaFailureName, message?: string, cause?: unknown): KafkaError {
  return new KafkaError(name, message, cause === undefined ? undefined : { cause });
}

/**
 * The KafkaError for an error code read off the wire, or undefined for NONE (0), so that a caller can
 * write `const error = kafkaErrorFromCode(response.errorCode, response.errorMessage); if (error) throw error;`.
 * A code this table does not know becomes UNKNOWN_SERVER_ERROR (not retriable) as in Kafka's Java
 * client, keeping the received number in `errorCode`. A null or empty message means Kafka's default.
 */
export function kafkaErrorFromCode(code: number, message?: string | null): KafkaError | undefined {
  if (code === ErrorCode.NONE) return undefined;
  const known = byCode.get(code);
  const text = message === null || message === undefined || message === '' ? undefined : message;
  if (known !== undefined && known.name !== 'NONE') return new KafkaError(known.name, text);
  return new KafkaError('UNKNOWN_SERVER_ERROR', text ?? `The server answered unknown error code ${code}.`, {
    errorCode: code,
  });
}
