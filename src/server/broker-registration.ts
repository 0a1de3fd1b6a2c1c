import { randomBytes } from 'node:crypto';
import {
  METADATA_VERSION_FEATURE,
  type MetadataImage,
  type MetadataRecord,
  metadataVersionOf,
} from '../metadata/index.js';
import { type ListenerEndpoint, resolveAdvertisedListeners, type SocketServer } from '../network/index.js';
import { MetadataRecordType, randomUuid } from '../protocol/index.js';
import type { BrokerConfig } from './broker-config.js';
import type { LocalMetadataLog } from './local-metadata-log.js';

/** The metadata.version a new single-node cluster starts at (Kafka 3.9's level, IBP_3_9_IV0). */
export const BOOTSTRAP_METADATA_VERSION = 21;

const SECURITY_PROTOCOL_IDS = { PLAINTEXT: 0, SSL: 1, SASL_PLAINTEXT: 2, SASL_SSL: 3 } as const;

/**
 * Records this broker in the metadata log once its listeners are bound: on a new cluster first the
 * metadata.version FeatureLevelRecord, then on every start a RegisterBrokerRecord with the
 * advertised endpoints (ports resolved when configured as 0), unfenced (a single node needs no
 * heartbeat to be trusted), its epoch the metadata log's end offset. Returns the advertised endpoints.
 */
export async function registerBroker(
  config: BrokerConfig,
  server: SocketServer,
  metadataLog: LocalMetadataLog,
  nodeId: number,
  image: MetadataImage,
): Promise<ListenerEndpoint[]> {
  const advertised = resolveAdvertisedListeners(
    config.listeners,
    config.advertisedListeners ?? undefined,
    server.boundListeners,
    'localhost',
  );
  const records: MetadataRecord[] = [];
  if (metadataVersionOf(image) === 0) {
    records.push({
      type: MetadataRecordType.FeatureLevelRecord,
      version: 0,
      data: { name: METADATA_VERSION_FEATURE, featureLevel: BOOTSTRAP_METADATA_VERSION },
    });
  }
  records.push({
    type: MetadataRecordType.RegisterBrokerRecord,
    version: 3,
    data: {
      brokerId: nodeId,
      isMigratingZkBroker: false,
      incarnationId: randomUuid((size) => randomBytes(size)),
      brokerEpoch: metadataLog.logEndOffset,
      endPoints: advertised.map((endpoint) => ({
        name: endpoint.name,
        host: endpoint.host,
        port: endpoint.port,
        securityProtocol: SECURITY_PROTOCOL_IDS[endpoint.securityProtocol],
      })),
      features: [
        {
          name: METADATA_VERSION_FEATURE,
          minSupportedVersion: 1,
          maxSupportedVersion: BOOTSTRAP_METADATA_VERSION,
        },
      ],
      rack: null,
      fenced: false,
      inControlledShutdown: false,
      logDirs: [],
    },
  });
  await metadataLog.commit(records);
  return advertised;
}
