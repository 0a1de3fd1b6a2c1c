// confluent-kafka-python 1.7.0 over librdkafka 2.0.2 (Debian's python3-confluent-kafka) through the
// real-client matrix.
import { describePythonClientMatrix } from './python-client-matrix.js';

describePythonClientMatrix({
  client: 'confluent-kafka-python 1.7.0',
  script: 'confluent_kafka_client.py',
  nullHeaderValues: true,
  deleteRecords: false,
  expectedRequests: [
    'ApiVersionRequest_v3',
    'CreateTopicsRequest_v4',
    'DeleteTopicsRequest_v1',
    'DescribeConfigsRequest_v1',
    'AlterConfigsRequest_v0',
    'CreatePartitionsRequest_v0',
    'MetadataRequest_v4',
    'ProduceRequest_v7',
    'FetchRequest_v11',
    'ListOffsetsRequest_v2',
  ],
});
