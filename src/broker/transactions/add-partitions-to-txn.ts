import type { TxnPartition } from '../../coordinator/index.js';
import type { MetadataImage } from '../../metadata/index.js';
import {
  type AddPartitionsToTxnResponse,
  type AddPartitionsToTxnTopic,
  type AddPartitionsToTxnTopicResult,
  type AddPartitionsToTxnTransaction,
  ApiKey,
  ErrorCode,
} from '../../protocol/index.js';
import type { ApiHandler } from '../api-handler.js';
import type { BrokerContext } from '../broker-context.js';
import { supportedVersions } from '../supported-apis.js';
import { fencedForVersion, unlessTxnClosed } from './txn-request.js';

/** The partitions of a request's topics, each once, in request order. */
function partitionsOf(topics: readonly AddPartitionsToTxnTopic[]): TxnPartition[] {
  const seen = new Set<string>();
  const out: TxnPartition[] = [];
  for (const t of topics) {
    for (const partition of t.partitions) {
      const key = `${t.name}\u0000${partition}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ topic: t.name, partition });
    }
  }
  return out;
}

function results(
  partitions: readonly TxnPartition[],
  codes: readonly number[],
): AddPartitionsToTxnTopicResult[] {
  const byTopic = new Map<string, AddPartitionsToTxnTopicResult>();
  partitions.forEach((p, i) => {
    let topic = byTopic.get(p.topic);
    if (topic === undefined) {
      topic = { name: p.topic, resultsByPartition: [] };
      byTopic.set(p.topic, topic);
    }
    topic.resultsByPartition.push({
      partitionIndex: p.partition,
      partitionErrorCode: codes[i] ?? ErrorCode.NONE,
    });
  });
  return [...byTopic.values()];
}

function exists(image: MetadataImage, p: TxnPartition): boolean {
  return image.topicsByName.get(p.topic)?.partitions.has(p.partition) ?? false;
}

/**
 * Kafka's per-transaction answer: partitions of unknown topics get UNKNOWN_TOPIC_OR_PARTITION and the
 * others OPERATION_NOT_ATTEMPTED (nothing is added); otherwise the coordinator's one error code for all
 * (or, for a verify-only entry, one per partition: NONE when in the transaction, TRANSACTION_ABORTABLE
 * when not). TRANSACTION_ABORTABLE exists from v5 on; older versions get INVALID_TXN_STATE.
 */
async function answerTransaction(
  context: BrokerContext,
  txn: AddPartitionsToTxnTransaction,
  version: number,
): Promise<{ transactionalId: string; topicResults: AddPartitionsToTxnTopicResult[] }> {
  const partitions = partitionsOf(txn.topics);
  const image = context.metadata();
  const missing = partitions.map((p) => !exists(image, p));
  let codes: number[];
  if (missing.some((m) => m)) {
    codes = missing.map((m) =>
      m ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.OPERATION_NOT_ATTEMPTED,
    );
  } else if (txn.verifyOnly) {
    codes = context.transactions.verifyPartitions(
      txn.transactionalId,
      txn.producerId,
      txn.producerEpoch,
      partitions,
    );
  } else {
    const answer = context.transactions.addPartitions(
      txn.transactionalId,
      txn.producerId,
      txn.producerEpoch,
      partitions,
      0,
    );
    const outcome = await unlessTxnClosed(answer, (errorCode) => ({
      errorCode,
      producerId: -1n,
      producerEpoch: -1,
    }));
    codes = partitions.map(() => outcome.errorCode);
  }
  codes = codes.map((code) => {
    const fenced = fencedForVersion(code, version, 2);
    return fenced === ErrorCode.TRANSACTION_ABORTABLE && version < 5 ? ErrorCode.INVALID_TXN_STATE : fenced;
  });
  return { transactionalId: txn.transactionalId, topicResults: results(partitions, codes) };
}

function v3Transaction(body: {
  v3AndBelowTransactionalId: string;
  v3AndBelowProducerId: bigint;
  v3AndBelowProducerEpoch: number;
  v3AndBelowTopics: AddPartitionsToTxnTopic[];
}): AddPartitionsToTxnTransaction {
  return {
    transactionalId: body.v3AndBelowTransactionalId,
    producerId: body.v3AndBelowProducerId,
    producerEpoch: body.v3AndBelowProducerEpoch,
    verifyOnly: false,
    topics: body.v3AndBelowTopics,
  };
}

/**
 * AddPartitionsToTxn: v0-3 from clients (one transaction; the partitions join it before the producer
 * writes to them), v4+ batched from brokers, each transaction either added or, with verifyOnly, only
 * checked (KIP-890 part 1). The answer comes once the Ongoing record is durable.
 */
export const addPartitionsToTxnHandler: ApiHandler<typeof ApiKey.AddPartitionsToTxn> = {
  apiKey: ApiKey.AddPartitionsToTxn,
  versions: supportedVersions(ApiKey.AddPartitionsToTxn),
  async handle(context, body, request) {
    const version = request.apiVersion;
    if (version < 4) {
      const answer = await answerTransaction(context, v3Transaction(body), version);
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.NONE,
        resultsByTransaction: [],
        resultsByTopicV3AndBelow: answer.topicResults,
      };
    }
    const answers = await Promise.all(
      body.transactions.map((txn) => answerTransaction(context, txn, version)),
    );
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      resultsByTransaction: answers,
      resultsByTopicV3AndBelow: [],
    };
  },
  errorResponse(body, errorCode, version): AddPartitionsToTxnResponse {
    const all = (topics: readonly AddPartitionsToTxnTopic[]) => {
      const partitions = partitionsOf(topics);
      return results(
        partitions,
        partitions.map(() => errorCode),
      );
    };
    if (version < 4) {
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.NONE,
        resultsByTransaction: [],
        resultsByTopicV3AndBelow: all(body.v3AndBelowTopics),
      };
    }
    return { throttleTimeMs: 0, errorCode, resultsByTransaction: [], resultsByTopicV3AndBelow: [] };
  },
};
