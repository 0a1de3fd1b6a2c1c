import { ApiKey } from '../protocol/index.js';
import type { ApiHandler } from './api-handler.js';
import { supportedVersions } from './supported-apis.js';
import { writeTransactionMarkers } from './txn-markers.js';

/**
 * WriteTxnMarkers (v0-1): a transaction coordinator asks this partition leader to append COMMIT or
 * ABORT markers; see writeTransactionMarkers for the append, its durability and the per-partition
 * errors. The in-process coordinator calls writeTransactionMarkers directly; this handler serves a
 * coordinator on another node (or a tool) over the wire.
 */
export const writeTxnMarkersHandler: ApiHandler<typeof ApiKey.WriteTxnMarkers> = {
  apiKey: ApiKey.WriteTxnMarkers,
  versions: supportedVersions(ApiKey.WriteTxnMarkers),
  async handle(context, body) {
    const markers = await writeTransactionMarkers(
      { replicas: context.replicas, nowMs: context.nowMs },
      body.markers,
    );
    return { markers };
  },
  errorResponse(body, errorCode) {
    return {
      markers: body.markers.map((marker) => ({
        producerId: marker.producerId,
        topics: marker.topics.map((topic) => ({
          name: topic.name,
          partitions: topic.partitionIndexes.map((partitionIndex) => ({ partitionIndex, errorCode })),
        })),
      })),
    };
  },
};
