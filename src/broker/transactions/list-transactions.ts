import { TXN_STATES, type TxnState } from '../../coordinator/index.js';
import { ApiKey, ErrorCode } from '../../protocol/index.js';
import type { ApiHandler } from '../api-handler.js';
import { supportedVersions } from '../supported-apis.js';

const KNOWN_STATES = new Set<string>(TXN_STATES);

/**
 * ListTransactions (KIP-664, v1 KIP-994): the transactional ids of this coordinator with producer id and
 * state, filtered by state names (unknown names come back in unknownStateFilters), producer ids, and
 * (v1) how long the open transaction has run (durationFilter ms; negative: no filter).
 */
export const listTransactionsHandler: ApiHandler<typeof ApiKey.ListTransactions> = {
  apiKey: ApiKey.ListTransactions,
  versions: supportedVersions(ApiKey.ListTransactions),
  async handle(context, body) {
    const txns = context.transactions;
    if (txns.isClosed) {
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE,
        unknownStateFilters: [],
        transactionStates: [],
      };
    }
    const states = new Set(body.stateFilters.filter((s) => KNOWN_STATES.has(s)));
    const unknownStateFilters = body.stateFilters.filter((s) => !KNOWN_STATES.has(s));
    const producerIds = new Set(body.producerIdFilters);
    const nowMs = txns.nowMs();
    const minDurationMs = Number(body.durationFilter);
    const running = (state: TxnState) =>
      state === 'Ongoing' || state === 'PrepareCommit' || state === 'PrepareAbort';
    const transactionStates = txns
      .list()
      .filter((m) => body.stateFilters.length === 0 || states.has(m.state))
      .filter((m) => producerIds.size === 0 || producerIds.has(m.producerId))
      .filter((m) => minDurationMs < 0 || (running(m.state) && nowMs - m.txnStartTimestampMs > minDurationMs))
      .map((m) => ({
        transactionalId: m.transactionalId,
        producerId: m.producerId,
        transactionState: m.state,
      }));
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, unknownStateFilters, transactionStates };
  },
  errorResponse: (_body, errorCode) => ({
    throttleTimeMs: 0,
    errorCode,
    unknownStateFilters: [],
    transactionStates: [],
  }),
};
