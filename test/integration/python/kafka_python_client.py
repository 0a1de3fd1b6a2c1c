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

from kafka import KafkaAdminClient, KafkaClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import ConfigResource, ConfigResourceType, NewPartitions, NewTopic
from kafka.errors import KafkaError
from kafka.protocol.api import Request, Response
from kafka.protocol.types import Array, Int16, Int32, Int64, Schema, String

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


def create_partitions(request: Json) -> Json:
    admin = admin_for(request)
    try:
        admin.create_partitions({request['topic']: NewPartitions(request['count'])})
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


def list_topics(request: Json) -> Json:
    admin = admin_for(request)
    try:
        return {'topics': sorted(admin.list_topics())}
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


def resource_of(request: Json, configs: Optional[Dict[str, str]] = None) -> ConfigResource:
    kind = ConfigResourceType.BROKER if request.get('resource') == 'broker' else ConfigResourceType.TOPIC
    return ConfigResource(kind, request['name'], configs=configs)


def describe_configs(request: Json) -> Json:
    """Each config's value, read-only flag, source (Kafka's numbering; v0 only says default or not),
    sensitivity and, when asked for, synonyms."""
    admin = admin_for(request)
    try:
        [response] = admin.describe_configs([resource_of(request)], include_synonyms=request.get('synonyms', False))
        [(error_code, _message, _kind, _name, entries)] = response.resources
        configs: Json = {}
        for entry in entries:
            name, value, read_only, source_or_default, sensitive = entry[:5]
            configs[name] = {'value': value, 'read_only': read_only, 'sensitive': sensitive}
            if response.API_VERSION == 0:
                configs[name]['default'] = source_or_default
            else:
                configs[name]['source'] = source_or_default
                configs[name]['synonyms'] = [[n, v, source] for n, v, source in entry[5]]
        return {'error_code': error_code, 'version': response.API_VERSION, 'configs': configs}
    finally:
        admin.close()


def alter_configs(request: Json) -> Json:
    """AlterConfigs (not incremental): the resource's overrides become exactly `configs`."""
    admin = admin_for(request)
    try:
        response = admin.alter_configs([resource_of(request, request['configs'])])
        [(error_code, message, _kind, _name)] = response.resources
        return {'error_code': error_code, 'message': message}
    finally:
        admin.close()


def delete_topic(request: Json) -> Json:
    admin = admin_for(request)
    try:
        admin.delete_topics([request['topic']], timeout_ms=30000)
        return {'error': None}
    except KafkaError as error:
        return error_of(error)
    finally:
        admin.close()


class DeleteRecordsResponse_v0(Response):
    API_KEY = 21
    API_VERSION = 0
    SCHEMA = Schema(
        ('throttle_time_ms', Int32),
        ('topics', Array(
            ('name', String('utf-8')),
            ('partitions', Array(('partition_index', Int32), ('low_watermark', Int64), ('error_code', Int16))))))


class DeleteRecordsRequest_v0(Request):
    """kafka-python 2.0.2 has no DeleteRecords (added in 2.1); this is the v0 schema written with its
    own protocol types and sent through its own KafkaClient."""
    API_KEY = 21
    API_VERSION = 0
    RESPONSE_TYPE = DeleteRecordsResponse_v0
    SCHEMA = Schema(
        ('topics', Array(
            ('name', String('utf-8')),
            ('partitions', Array(('partition_index', Int32), ('offset', Int64))))),
        ('timeout_ms', Int32))


def delete_records(request: Json) -> Json:
    """Deletes the records before `offsets` ({partition: offset}) through each partition's leader."""
    client = KafkaClient(bootstrap_servers=request['bootstrap'], client_id='pyralog-it')
    try:
        topic: str = request['topic']
        client.poll(future=client.set_topics([topic]))
        by_leader: Dict[int, List[Any]] = {}
        for partition, offset in request['offsets'].items():
            leader = client.cluster.leader_for_partition(TopicPartition(topic, int(partition)))
            by_leader.setdefault(leader, []).append((int(partition), offset))
        answer: Json = {}
        deadline = time.monotonic() + 30
        for leader, partitions in by_leader.items():
            while not client.ready(leader):
                if time.monotonic() > deadline:
                    raise TimeoutError(f'delete_records: no connection to node {leader}')
                client.poll(timeout_ms=100)
            future = client.send(leader, DeleteRecordsRequest_v0(topics=[(topic, partitions)], timeout_ms=30000))
            client.poll(future=future)
            if future.failed():
                raise future.exception
            for _name, results in future.value.topics:
                for partition, low_watermark, error_code in results:
                    answer[str(partition)] = {'low_watermark': low_watermark, 'error_code': error_code}
        return {'partitions': answer}
    finally:
        client.close()


OPS = {
    'create_topic': create_topic,
    'create_partitions': create_partitions,
    'describe_topic': describe_topic,
    'list_topics': list_topics,
    'produce': produce,
    'consume': consume,
    'list_offsets': list_offsets,
    'describe_configs': describe_configs,
    'alter_configs': alter_configs,
    'delete_topic': delete_topic,
    'delete_records': delete_records,
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
