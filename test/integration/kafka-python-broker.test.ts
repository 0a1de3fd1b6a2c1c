// kafka-python 2.0.2 (Debian's python3-kafka, a pure-Python client) through the real-client matrix.
// It picks its API versions from ApiVersions by guessing a broker release (2.4 here), and it cannot
// send a header with a null value (KafkaProducer.send asserts bytes).
import { describePythonClientMatrix } from './python-client-matrix.js';

describePythonClientMatrix({
  client: 'kafka-python 2.0.2',
  script: 'kafka_python_client.py',
  nullHeaderValues: false,
  deleteRecords: true,
  expectedRequests: [
    'ApiVersionRequest_v0',
    'CreateTopicsRequest_v3',
    'DeleteTopicsRequest_v3',
    'DescribeConfigsRequest_v2',
    'AlterConfigsRequest_v1',
    'CreatePartitionsRequest_v1',
    'DeleteRecordsRequest_v0',
    'MetadataRequest_v1',
    'ProduceRequest_v7',
    'FetchRequest_v4',
    'OffsetRequest_v1',
  ],
});
