// Proves that the Kafka error table is consistent (unique names and codes, contiguous from -1), that
// well-known codes, retriable flags and messages match Apache Kafka's, and that KafkaError, errorName
// and kafkaErrorFromCode behave as documented, including for codes the table does not know.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ErrorCode,
  errorByCode,
  errorName,
  KAFKA_ERRORS,
  KafkaError,
  kafkaError,
  kafkaErrorFromCode,
} from './errors.js';
import { PyralogError } from './pyralog-error.js';

describe('Kafka error table', () => {
  it('has unique names and unique codes, contiguous from -1 to the highest', () => {
    const names = KAFKA_ERRORS.map((info) => info.name);
    const codes = KAFKA_ERRORS.map((info) => info.code);
    assert.equal(new Set(names).size, names.length);
    assert.equal(new Set(codes).size, codes.length);
    const highest = Math.max(...codes);
    assert.deepEqual(
      codes,
      Array.from({ length: highest + 2 }, (_, index) => index - 1),
    );
    assert.equal(highest, ErrorCode.STREAMS_TOPOLOGY_FENCED);
  });

  it('keeps ErrorCode, errorByCode and KAFKA_ERRORS in agreement', () => {
    assert.equal(Object.keys(ErrorCode).length, KAFKA_ERRORS.length);
    for (const info of KAFKA_ERRORS) {
      assert.equal(ErrorCode[info.name], info.code);
      assert.equal(errorByCode(info.code), info);
      assert.equal(errorName(info.code), info.name);
      assert.match(info.name, /^[A-Z][A-Z0-9_]*$/);
      if (info.name !== 'NONE') assert.ok(info.message.length > 0, `${info.name} has a message`);
    }
  });

  it('matches Kafka on well-known codes', () => {
    const expected: Record<string, number> = {
      UNKNOWN_SERVER_ERROR: -1,
      NONE: 0,
      OFFSET_OUT_OF_RANGE: 1,
      CORRUPT_MESSAGE: 2,
      UNKNOWN_TOPIC_OR_PARTITION: 3,
      LEADER_NOT_AVAILABLE: 5,
      NOT_LEADER_OR_FOLLOWER: 6,
      REQUEST_TIMED_OUT: 7,
      MESSAGE_TOO_LARGE: 10,
      COORDINATOR_LOAD_IN_PROGRESS: 14,
      COORDINATOR_NOT_AVAILABLE: 15,
      NOT_COORDINATOR: 16,
      NOT_ENOUGH_REPLICAS: 19,
      ILLEGAL_GENERATION: 22,
      UNKNOWN_MEMBER_ID: 25,
      REBALANCE_IN_PROGRESS: 27,
      TOPIC_AUTHORIZATION_FAILED: 29,
      UNSUPPORTED_VERSION: 35,
      TOPIC_ALREADY_EXISTS: 36,
      NOT_CONTROLLER: 41,
      INVALID_REQUEST: 42,
      OUT_OF_ORDER_SEQUENCE_NUMBER: 45,
      INVALID_PRODUCER_EPOCH: 47,
      CONCURRENT_TRANSACTIONS: 51,
      UNKNOWN_PRODUCER_ID: 59,
      FENCED_LEADER_EPOCH: 74,
      MEMBER_ID_REQUIRED: 79,
      PRODUCER_FENCED: 90,
      UNKNOWN_TOPIC_ID: 100,
      FENCED_MEMBER_EPOCH: 110,
      STALE_MEMBER_EPOCH: 113,
      TRANSACTION_ABORTABLE: 120,
      INVALID_RECORD_STATE: 121,
      SHARE_SESSION_NOT_FOUND: 122,
      INVALID_VOTER_KEY: 125,
      INVALID_REGULAR_EXPRESSION: 128,
      REBOOTSTRAP_REQUIRED: 129,
    };
    for (const [name, code] of Object.entries(expected)) {
      assert.equal(errorByCode(code)?.name, name, `code ${code}`);
    }
    assert.equal(ErrorCode.OFFSET_OUT_OF_RANGE, 1);
    assert.equal(ErrorCode.NOT_LEADER_OR_FOLLOWER, 6);
  });

  it('classifies retriable errors as the Java client does', () => {
    const retriable = [
      'CORRUPT_MESSAGE',
      'UNKNOWN_TOPIC_OR_PARTITION',
      'NOT_LEADER_OR_FOLLOWER',
      'REQUEST_TIMED_OUT',
      'COORDINATOR_LOAD_IN_PROGRESS',
      'COORDINATOR_NOT_AVAILABLE',
      'NOT_COORDINATOR',
      'NOT_ENOUGH_REPLICAS',
      'CONCURRENT_TRANSACTIONS',
      'KAFKA_STORAGE_ERROR',
      'FENCED_LEADER_EPOCH',
      'UNKNOWN_TOPIC_ID',
      'SHARE_SESSION_NOT_FOUND',
    ] as const;
    const notRetriable = [
      'UNKNOWN_SERVER_ERROR',
      'OFFSET_OUT_OF_RANGE',
      'BROKER_NOT_AVAILABLE',
      'MESSAGE_TOO_LARGE',
      'TOPIC_AUTHORIZATION_FAILED',
      'INVALID_PRODUCER_EPOCH',
      'PRODUCER_FENCED',
      'UNKNOWN_MEMBER_ID',
      'REBALANCE_IN_PROGRESS',
      'FENCED_MEMBER_EPOCH',
      'TRANSACTION_ABORTABLE',
      'REBOOTSTRAP_REQUIRED',
    ] as const;
    for (const name of retriable) assert.equal(errorByCode(ErrorCode[name])?.retriable, true, name);
    for (const name of notRetriable) assert.equal(errorByCode(ErrorCode[name])?.retriable, false, name);
  });

  it('carries Kafka default messages', () => {
    assert.equal(
      errorByCode(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)?.message,
      'This server does not host this topic-partition.',
    );
    assert.equal(errorByCode(ErrorCode.NOT_COORDINATOR)?.message, 'This is not the correct coordinator.');
    assert.equal(errorByCode(ErrorCode.NONE)?.message, '');
  });

  it('names unknown codes UNKNOWN_ERROR_CODE_<n>', () => {
    assert.equal(errorByCode(9999), undefined);
    assert.equal(errorName(9999), 'UNKNOWN_ERROR_CODE_9999');
    assert.equal(errorName(-2), 'UNKNOWN_ERROR_CODE_-2');
    assert.equal(errorName(ErrorCode.STREAMS_TOPOLOGY_FENCED + 1), 'UNKNOWN_ERROR_CODE_133');
  });
});

describe('KafkaError', () => {
  it('has a stable code, the wire errorCode, retriable and Kafka default message', () => {
    const error = kafkaError('NOT_LEADER_OR_FOLLOWER');
    assert.ok(error instanceof KafkaError);
    assert.ok(error instanceof PyralogError);
    assert.ok(error instanceof Error);
    assert.equal(error.name, 'KafkaError');
    assert.equal(error.code, 'NOT_LEADER_OR_FOLLOWER');
    assert.equal(error.errorCode, 6);
    assert.equal(error.retriable, true);
    assert.equal(error.message, errorByCode(6)?.message);
    assert.equal(error.cause, undefined);
  });

  it('takes a message and keeps a cause', () => {
    const cause = new Error('socket closed');
    const error = kafkaError(
      'TOPIC_AUTHORIZATION_FAILED',
      'Not authorized to access topics: [orders]',
      cause,
    );
    assert.equal(error.message, 'Not authorized to access topics: [orders]');
    assert.equal(error.retriable, false);
    assert.equal(error.errorCode, 29);
    assert.equal(error.cause, cause);
  });

  it('is built from wire codes: none for NONE, UNKNOWN_SERVER_ERROR for codes it does not know', () => {
    assert.equal(kafkaErrorFromCode(0), undefined);
    const known = kafkaErrorFromCode(ErrorCode.COORDINATOR_NOT_AVAILABLE, null);
    assert.equal(known?.code, 'COORDINATOR_NOT_AVAILABLE');
    assert.equal(known?.retriable, true);
    assert.equal(known?.message, 'The coordinator is not available.');
    assert.equal(
      kafkaErrorFromCode(ErrorCode.NOT_COORDINATOR, 'moved to node 2')?.message,
      'moved to node 2',
    );
    const unknown = kafkaErrorFromCode(9999);
    assert.equal(unknown?.code, 'UNKNOWN_SERVER_ERROR');
    assert.equal(unknown?.errorCode, 9999);
    assert.equal(unknown?.retriable, false);
    assert.match(unknown?.message ?? '', /9999/);
  });
});
