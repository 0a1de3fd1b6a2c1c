// What a held group reply says when its __consumer_offsets write fails: Kafka's error mapping, applied per API.
import { ErrorCode } from '../../protocol/index.js';
import type { GroupReply } from './group-coordinator.js';

/** Kafka's mapping of a failed __consumer_offsets append to what the client can act on. */
export function mapWriteError(errorCode: number): number {
  switch (errorCode) {
    case ErrorCode.NOT_LEADER_OR_FOLLOWER:
    case ErrorCode.KAFKA_STORAGE_ERROR:
      return ErrorCode.NOT_COORDINATOR;
    case ErrorCode.MESSAGE_TOO_LARGE:
    case ErrorCode.RECORD_LIST_TOO_LARGE:
    case ErrorCode.INVALID_FETCH_SIZE:
      return ErrorCode.INVALID_COMMIT_OFFSET_SIZE;
    default:
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  }
}

/** `reply` as it reads when the write it waited for failed with `errorCode` (already mapped). */
export function withWriteError(reply: GroupReply, errorCode: number): GroupReply {
  switch (reply.api) {
    case 'joinGroup':
      return { ...reply, response: { ...reply.response, errorCode } };
    case 'syncGroup':
      return { ...reply, response: { ...reply.response, errorCode, assignment: Buffer.alloc(0) } };
    case 'leaveGroup':
      return { ...reply, response: { ...reply.response, errorCode } };
    case 'offsetCommit':
      return {
        ...reply,
        response: {
          ...reply.response,
          topics: reply.response.topics.map((t) => ({
            name: t.name,
            partitions: t.partitions.map((p) => ({
              ...p,
              errorCode: p.errorCode === ErrorCode.NONE ? errorCode : p.errorCode,
            })),
          })),
        },
      };
    case 'txnOffsetCommit':
      return {
        ...reply,
        response: {
          ...reply.response,
          topics: reply.response.topics.map((t) => ({
            name: t.name,
            partitions: t.partitions.map((p) => ({
              ...p,
              errorCode: p.errorCode === ErrorCode.NONE ? errorCode : p.errorCode,
            })),
          })),
        },
      };
    case 'offsetDelete':
      return { ...reply, response: { ...reply.response, errorCode, topics: [] } };
    case 'deleteGroups':
      return {
        ...reply,
        response: {
          ...reply.response,
          results: reply.response.results.map((r) => ({
            ...r,
            errorCode: r.errorCode === ErrorCode.NONE ? errorCode : r.errorCode,
          })),
        },
      };
    default:
      return reply;
  }
}
