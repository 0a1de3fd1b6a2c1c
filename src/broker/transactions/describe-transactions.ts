import type { TxnPartition } from '../../coordinator/index.js';
import {
  ApiKey,
  type DescribeTransactionsResponseTopicData,
  type DescribeTransactionsResponseTransactionState,
  ErrorCode,
} from '../../protocol/index.js';
import type { ApiHandler } from '../api-handler.js';
import type { BrokerContext } from '../broker-context.js';
import { supportedVersions } from '../supported-apis.js';

function failed(transactionalId: string, errorCode: number): DescribeTransactionsResponseTransactionState {
  return {
    errorCode,
    transactionalId,
    transactionState: '',
    transactionTimeoutMs: 0,
    transactionStartTimeMs: -1n,
    producerId: -1n,
    producerEpoch: -1,
    topics: [],
  };
}

function byTopic(partitions: readonly TxnPartition[]): DescribeTransactionsResponseTopicData[] {
  const topics = new Map<string, number[]>();
  for (const p of partitions) topics.set(p.topic, [...(topics.get(p.topic) ?? []), p.partition]);
  return [...topics].map(([topic, ids]) => ({ topic, partitions: ids }));
}

function describe(
  context: BrokerContext,
  transactionalId: string,
): DescribeTransactionsResponseTransactionState {
  if (context.transactions.isClosed) return failed(transactionalId, ErrorCode.COORDINATOR_NOT_AVAILABLE);
  if (transactionalId === '') return failed(transactionalId, ErrorCode.INVALID_REQUEST);
  const found = context.transactions.describe(transactionalId);
  if (found === undefined) return failed(transactionalId, ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);
  const m = found.metadata;
  return {
    errorCode: ErrorCode.NONE,
    transactionalId,
    transactionState: m.state,
    transactionTimeoutMs: m.txnTimeoutMs,
    transactionStartTimeMs: BigInt(m.txnStartTimestampMs),
    producerId: m.producerId,
    producerEpoch: m.producerEpoch,
    topics: byTopic(found.partitions),
  };
}

/**
 * DescribeTransactions (KIP-664): per transactional id its state (Kafka's names), timeout, start time,
 * producer id and epoch, and the partitions of its transaction (while it ends, those still waiting for
 * a marker). TRANSACTIONAL_ID_NOT_FOUND for an id this coordinator does not hold.
 */
export const describeTransactionsHandler: ApiHandler<typeof ApiKey.DescribeTransactions> = {
  apiKey: ApiKey.DescribeTransactions,
  versions: supportedVersions(ApiKey.DescribeTransactions),
  async handle(context, body) {
    return { throttleTimeMs: 0, transactionStates: body.transactionalIds.map((id) => describe(context, id)) };
  },
  errorResponse: (body, errorCode) => ({
    throttleTimeMs: 0,
    transactionStates: body.transactionalIds.map((id) => failed(id, errorCode)),
  }),
};
