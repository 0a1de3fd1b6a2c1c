#!/usr/bin/python3
"""kafka-python 2.0.2 (Debian's python3-kafka) driven by test/integration/kafka-python-broker.test.ts.

Reads one JSON request from stdin ({"op": ..., "bootstrap": "host:port", ...}), answers with one
JSON object on stdout. Keys, values and header values are UTF-8 text or null; a record may ask for
a value of `repeat` bytes of "x" instead. Every answer lists the Kafka requests the client sent
(class names such as "ProduceRequest_v7"), read from kafka-python's own debug log.
"""
from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any, Dict, List, Optional, Set

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import ConfigResource, ConfigResourceType, NewTopic
from kafka.errors import KafkaError

Json = Dict[str, Any]


class RequestLog(logging.Handler):
    """Collects the names of the requests kafka-python encodes ("Sending request %s")."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.sent: Set[str] = set()

    def emit(self, record: logging.LogRecord) -> None:
        if record.msg == 'Sending request %s' and record.args:
            self.sent.add(type(record.args[0]).__name__)


def text(data: Optional[bytes]) -> Optional[str]:
    return None if data is None else data.decode('utf-8')


def blob(value: Optional[str]) -> Optional[bytes]:
    return None if value is None else value.encode('utf-8')


def error_of(error: BaseException) -> Json:
    code = getattr(error, 'errno', None)
    return {'error': type(error).__name__, 'code': code, 'message': str(error)}


def admin_for(request: Json) -> KafkaAdminClient:
    return KafkaAdminClient(bootstrap_servers=request['bootstrap'], client_id='pyralog-it')


def create_topic(request: Json) -> Json:
    admin = admin_for(request)
    try:
        topic = NewTopic(request['topic'], request['partitions'], 1, topic_configs=request.get('configs', {}))
        admin.create_topics([topic])
        return {'error': None}
    except KafkaError as error:
        return error_of(error)
    finally:
        admin.close()


def describe_topic(request: Json) -> Json:
    admin = admin_for(request)
    try:
        [topic] = admin.describe_topics([request['topic']])
        partitions = [{'partition': p['partition'], 'leader': p['leader']} for p in topic['partitions']]
        return {'error_code': topic['error_code'], 'partitions': sorted(partitions, key=lambda p: p['partition'])}
    finally:
        admin.close()


def produce(request: Json) -> Json:
    producer = KafkaProducer(
        bootstrap_servers=request['bootstrap'],
        client_id='pyralog-it',
        acks=request.get('acks', 'all'),
        compression_type=request.get('compression'),
        max_request_size=request.get('max_request_size', 1048576),
        linger_ms=request.get('linger_ms', 20),
        retries=0,
    )
    try:
        pending: List[Any] = []
        for record in request['records']:
            value = b'x' * record['repeat'] if 'repeat' in record else blob(record.get('value'))
            headers = [(key, blob(header)) for key, header in record.get('headers', [])]
            try:
                pending.append(producer.send(
                    request['topic'],
                    key=blob(record.get('key')),
                    value=value,
                    headers=headers,
                    partition=record.get('partition'),
                    timestamp_ms=record.get('timestamp'),
                ))
            except KafkaError as error:  # refused by the client before sending (e.g. max_request_size)
                pending.append(dict(error_of(error), local=True))
        producer.flush(timeout=60)
        results: List[Json] = []
        for future in pending:
            if isinstance(future, dict):
                results.append(future)
                continue
            try:
                metadata = future.get(timeout=60)
                results.append({'partition': metadata.partition, 'offset': metadata.offset,
                                'timestamp': metadata.timestamp})
            except KafkaError as error:
                results.append(error_of(error))
        return {'results': results}
    finally:
        producer.close(timeout=10)


def consumer_for(request: Json) -> KafkaConsumer:
    return KafkaConsumer(
        bootstrap_servers=request['bootstrap'],
        client_id='pyralog-it',
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset='earliest',
        fetch_max_bytes=request.get('fetch_max_bytes', 52428800),
        max_partition_fetch_bytes=request.get('max_partition_fetch_bytes', 1048576),
    )


def consume(request: Json) -> Json:
    """Every record of the listed partitions, from `offsets` (default: the log start) to the end."""
    consumer = consumer_for(request)
    try:
        partitions = [TopicPartition(request['topic'], p) for p in request['partitions']]
        consumer.assign(partitions)
        starts: Dict[str, int] = request.get('offsets', {})
        for partition in partitions:
            if str(partition.partition) in starts:
                consumer.seek(partition, starts[str(partition.partition)])
            else:
                consumer.seek_to_beginning(partition)
        ends = consumer.end_offsets(partitions)
        records: List[Json] = []
        deadline = time.monotonic() + request.get('timeout_s', 30)
        while any(consumer.position(p) < ends[p] for p in partitions):
            if time.monotonic() > deadline:
                raise TimeoutError('consume: end offsets not reached in time')
            for messages in consumer.poll(timeout_ms=500).values():
                records.extend({
                    'partition': m.partition,
                    'offset': m.offset,
                    'key': text(m.key),
                    'value': text(m.value),
                    'headers': [[key, text(value)] for key, value in m.headers],
                    'timestamp': m.timestamp,
                    'timestamp_type': m.timestamp_type,
                } for m in messages)
        return {'records': records}
    finally:
        consumer.close(autocommit=False)


def list_offsets(request: Json) -> Json:
    """Earliest and latest offsets of each partition, and the first offset at or after `timestamp`."""
    consumer = consumer_for(request)
    try:
        partitions = [TopicPartition(request['topic'], p) for p in request['partitions']]
        earliest = consumer.beginning_offsets(partitions)
        latest = consumer.end_offsets(partitions)
        answer: Json = {
            'earliest': {str(p.partition): earliest[p] for p in partitions},
            'latest': {str(p.partition): latest[p] for p in partitions},
        }
        if 'timestamp' in request:
            found = consumer.offsets_for_times({p: request['timestamp'] for p in partitions})
            answer['by_time'] = {
                str(p.partition): None if found[p] is None else found[p].offset for p in partitions
            }
        return answer
    finally:
        consumer.close(autocommit=False)


OPS = {
    'create_topic': create_topic,
    'describe_topic': describe_topic,
    'produce': produce,
    'consume': consume,
    'list_offsets': list_offsets,
}


def main() -> None:
    request: Json = json.load(sys.stdin)
    requests = RequestLog()
    parser_log = logging.getLogger('kafka.protocol.parser')
    parser_log.addHandler(requests)
    parser_log.setLevel(logging.DEBUG)
    parser_log.propagate = False
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    answer = OPS[request['op']](request)
    answer['requests'] = sorted(requests.sent)
    json.dump(answer, sys.stdout)


if __name__ == '__main__':
    main()
