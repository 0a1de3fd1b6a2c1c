import type { MetadataImage } from '../../metadata/index.js';
import {
  ApiKey,
  ErrorCode,
  type FindCoordinatorRequest,
  type FindCoordinatorResponse,
  type FindCoordinatorResponseCoordinator,
} from '../../protocol/index.js';
import type { ApiHandler } from '../api-handler.js';
import { supportedVersions } from '../supported-apis.js';

/** FindCoordinator's key types (KIP-98 added TRANSACTION, KIP-932 SHARE). */
const KeyType = { group: 0, transaction: 1 } as const;

type Coordinator = Omit<FindCoordinatorResponseCoordinator, 'key'>;

function failed(errorCode: number, errorMessage: string | null): Coordinator {
  return { nodeId: -1, host: '', port: -1, errorCode, errorMessage };
}

/** This node on the listener the request came in on (as Kafka answers), or COORDINATOR_NOT_AVAILABLE. */
function thisNode(image: MetadataImage, nodeId: number, listenerName: string): Coordinator {
  const endpoint = image.brokers.get(nodeId)?.listeners.find((l) => l.name === listenerName);
  if (endpoint === undefined)
    return failed(ErrorCode.COORDINATOR_NOT_AVAILABLE, 'this broker is not registered yet');
  return { nodeId, host: endpoint.host, port: endpoint.port, errorCode: ErrorCode.NONE, errorMessage: null };
}

function shape(
  version: number,
  keys: readonly string[],
  answers: readonly Coordinator[],
): FindCoordinatorResponse {
  const first = answers[0] ?? failed(ErrorCode.INVALID_REQUEST, 'no coordinator key');
  if (version >= 4) {
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      // v4+ has only the per-key answers; the v0-3 fields keep their defaults.
      nodeId: 0,
      host: '',
      port: 0,
      coordinators: answers.map((a, i) => ({ key: keys[i] ?? '', ...a })),
    };
  }
  return { throttleTimeMs: 0, ...first, coordinators: [] };
}

function keysOf(body: FindCoordinatorRequest, version: number): string[] {
  return version >= 4 ? body.coordinatorKeys : [body.key];
}

/**
 * FindCoordinator: every group's and transactional id's coordinator is this node (single node), once
 * __consumer_offsets (GROUP keys) or __transaction_state (TRANSACTION keys) exists (created here on
 * first use). v4+ answers each of the batched keys (KIP-699). An empty key and unknown key types get
 * INVALID_REQUEST.
 */
export const findCoordinatorHandler: ApiHandler<typeof ApiKey.FindCoordinator> = {
  apiKey: ApiKey.FindCoordinator,
  versions: supportedVersions(ApiKey.FindCoordinator),
  async handle(context, body, request) {
    const version = request.apiVersion;
    const keys = keysOf(body, version);
    const keyType = body.keyType;
    let answers: Coordinator[];
    if (keyType === KeyType.group) {
      const ready = keys.some((k) => k !== '') ? await context.groups.ensureLog() : ErrorCode.NONE;
      const node = thisNode(context.metadata(), context.nodeId, request.connection.listenerName);
      answers = keys.map((key) => {
        if (key === '') return failed(ErrorCode.INVALID_REQUEST, 'the group id is empty');
        if (ready !== ErrorCode.NONE)
          return failed(ErrorCode.COORDINATOR_NOT_AVAILABLE, '__consumer_offsets cannot be created');
        return node;
      });
    } else if (keyType === KeyType.transaction) {
      const ready = keys.some((k) => k !== '') ? await context.transactions.ensureLog() : ErrorCode.NONE;
      const node = thisNode(context.metadata(), context.nodeId, request.connection.listenerName);
      answers = keys.map((key) => {
        if (key === '') return failed(ErrorCode.INVALID_REQUEST, 'the transactional id is empty');
        if (ready !== ErrorCode.NONE)
          return failed(ErrorCode.COORDINATOR_NOT_AVAILABLE, '__transaction_state cannot be created');
        return node;
      });
    } else {
      answers = keys.map(() => failed(ErrorCode.INVALID_REQUEST, `unknown key type ${keyType}`));
    }
    return shape(version, keys, answers);
  },
  errorResponse(body, errorCode, version) {
    const keys = keysOf(body, version);
    return shape(
      version,
      keys,
      keys.map(() => failed(errorCode, null)),
    );
  },
};
