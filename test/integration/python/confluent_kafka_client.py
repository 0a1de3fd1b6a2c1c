#!/usr/bin/python3
"""confluent-kafka-python 1.7.0 over librdkafka 2.0.2 (Debian's python3-confluent-kafka), driven by
test/integration/confluent-kafka-broker.test.ts.

Reads one JSON request from stdin ({"op": ..., "bootstrap": "host:port", ...}), answers with one
JSON object on stdout. Keys, values and header values are UTF-8 text or null; a record may ask for
a value of `repeat` bytes of "x" instead. Every answer lists the Kafka requests librdkafka sent
("ProduceRequest_v7"), read from its protocol debug log.
"""
from __future__ import annotations

import json
import logging
import re
import sys
import time
from typing import Any, Dict, List, Optional, Set

from confluent_kafka import (OFFSET_BEGINNING, Consumer, KafkaError, KafkaException, Message, Producer,
                             TopicPartition)
from confluent_kafka.admin import AdminClient, ConfigEntry, ConfigResource, ConfigSource, NewPartitions, NewTopic

Json = Dict[str, Any]
SENT = re.compile(r'Sent (\w+) \(v(\d+),')


class RequestLog(logging.Handler):
    """Collects "Sent XRequest (vN, ...)" from librdkafka's protocol debug log."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.sent: Set[str] = set()

    def emit(self, record: logging.LogRecord) -> None:
        match = SENT.search(record.getMessage())
        if match is not None:
            self.sent.add(f'{match.group(1)}_v{match.group(2)}')


REQUESTS = RequestLog()
LOGGER = logging.getLogger('librdkafka')
LOGGER.addHandler(REQUESTS)
LOGGER.setLevel(logging.DEBUG)
LOGGER.propagate = False


def settings(request: Json, extra: Json) -> Json:
    return {'bootstrap.servers': request['bootstrap'], 'client.id': 'pyralog-it', 'debug': 'protocol',
            'logger': LOGGER, **extra}


def text(data: Optional[bytes]) -> Optional[str]:
    return None if data is None else data.decode('utf-8')


def blob(value: Optional[str]) -> Optional[bytes]:
    return None if value is None else value.encode('utf-8')


def error_of(error: KafkaError) -> Json:
    return {'error': error.name(), 'code': error.code(), 'message': error.str()}


def admin_for(request: Json) -> AdminClient:
    return AdminClient(settings(request, {}))


def create_topic(request: Json) -> Json:
    admin = admin_for(request)
    topic = NewTopic(request['topic'], num_partitions=request['partitions'], replication_factor=1,
                     config=request.get('configs', {}))
    try:
        admin.create_topics([topic])[request['topic']].result()
        answer: Json = {'error': None}
    except KafkaException as error:
        answer = error_of(error.args[0])
    admin.poll(0)
    return answer


def create_partitions(request: Json) -> Json:
    admin = admin_for(request)
    try:
        admin.create_partitions([NewPartitions(request['topic'], request['count'])])[request['topic']].result()
        answer: Json = {'error': None}
    except KafkaException as error:
        answer = error_of(error.args[0])
    admin.poll(0)
    return answer


def describe_topic(request: Json) -> Json:
    admin = admin_for(request)
    topic = admin.list_topics(topic=request['topic'], timeout=10).topics[request['topic']]
    partitions = [{'partition': p.id, 'leader': p.leader} for p in topic.partitions.values()]
    admin.poll(0)
    return {'error_code': 0 if topic.error is None else topic.error.code(),
            'partitions': sorted(partitions, key=lambda p: p['partition'])}


def list_topics(request: Json) -> Json:
    admin = admin_for(request)
    names = sorted(admin.list_topics(timeout=10).topics)
    admin.poll(0)
    return {'topics': names}


def produce(request: Json) -> Json:
    producer = Producer(settings(request, {
        'acks': request.get('acks', 'all'),
        'compression.type': request.get('compression') or 'none',
        'message.max.bytes': request.get('max_request_size', 1000000),
        'linger.ms': request.get('linger_ms', 20),
        'retries': 0,
    }))
    results: List[Json] = []

    def delivered(index: int):
        def report(error: Optional[KafkaError], message: Message) -> None:
            results[index] = error_of(error) if error is not None else {
                'partition': message.partition(), 'offset': message.offset(), 'timestamp': message.timestamp()[1]}
        return report

    for index, record in enumerate(request['records']):
        results.append({'error': 'not delivered'})
        value = b'x' * record['repeat'] if 'repeat' in record else blob(record.get('value'))
        headers = [(key, blob(header)) for key, header in record.get('headers', [])]
        options: Json = {'key': blob(record.get('key')), 'value': value, 'headers': headers,
                         'on_delivery': delivered(index)}
        if record.get('partition') is not None:
            options['partition'] = record['partition']
        if record.get('timestamp') is not None:
            options['timestamp'] = record['timestamp']
        try:
            producer.produce(request['topic'], **options)
        except KafkaException as error:  # refused by the client before sending (e.g. message.max.bytes)
            results[index] = dict(error_of(error.args[0]), local=True)
    if producer.flush(60) != 0:
        raise TimeoutError('produce: records still queued after 60 s')
    return {'results': results}


def consumer_for(request: Json) -> Consumer:
    # librdkafka needs a group.id even for assign(); nothing is committed.
    return Consumer(settings(request, {
        'group.id': 'pyralog-it',
        'enable.auto.commit': False,
        'enable.partition.eof': True,
        'auto.offset.reset': 'earliest',
        'fetch.max.bytes': request.get('fetch_max_bytes', 52428800),
        'max.partition.fetch.bytes': request.get('max_partition_fetch_bytes', 1048576),
    }))


def consume(request: Json) -> Json:
    """Every record of the listed partitions, from `offsets` (default: the log start) to the end."""
    consumer = consumer_for(request)
    try:
        starts: Dict[str, int] = request.get('offsets', {})
        consumer.assign([TopicPartition(request['topic'], p, starts.get(str(p), OFFSET_BEGINNING))
                         for p in request['partitions']])
        at_end: Set[int] = set()
        records: List[Json] = []
        deadline = time.monotonic() + request.get('timeout_s', 30)
        while len(at_end) < len(request['partitions']):
            if time.monotonic() > deadline:
                raise TimeoutError('consume: end of partitions not reached in time')
            message = consumer.poll(0.5)
            if message is None:
                continue
            error = message.error()
            if error is not None and error.code() == KafkaError._PARTITION_EOF:
                at_end.add(message.partition())
            elif error is not None:
                raise KafkaException(error)
            else:
                kind, timestamp = message.timestamp()
                records.append({
                    'partition': message.partition(),
                    'offset': message.offset(),
                    'key': text(message.key()),
                    'value': text(message.value()),
                    'headers': [[key, text(value)] for key, value in message.headers() or []],
                    'timestamp': timestamp,
                    'timestamp_type': kind - 1,  # TIMESTAMP_CREATE_TIME is 1 here, 0 on the wire
                })
        return {'records': records}
    finally:
        consumer.close()


def list_offsets(request: Json) -> Json:
    """Earliest and latest offsets of each partition, and the first offset at or after `timestamp`."""
    consumer = consumer_for(request)
    try:
        partitions = [TopicPartition(request['topic'], p) for p in request['partitions']]
        answer: Json = {'earliest': {}, 'latest': {}}
        for partition in partitions:
            low, high = consumer.get_watermark_offsets(partition, timeout=10, cached=False)
            answer['earliest'][str(partition.partition)] = low
            answer['latest'][str(partition.partition)] = high
        if 'timestamp' in request:
            found = consumer.offsets_for_times(
                [TopicPartition(request['topic'], p, request['timestamp']) for p in request['partitions']],
                timeout=10)
            answer['by_time'] = {str(p.partition): None if p.offset < 0 else p.offset for p in found}
        return answer
    finally:
        consumer.close()


def resource_of(request: Json, configs: Optional[Dict[str, str]] = None) -> ConfigResource:
    return ConfigResource(request.get('resource', 'topic'), request['name'], set_config=configs)


def source_of(entry: ConfigEntry) -> int:
    """Kafka's ConfigSource number (librdkafka uses the same numbering)."""
    return entry.source.value if isinstance(entry.source, ConfigSource) else int(entry.source)


def describe_configs(request: Json) -> Json:
    """Each config's value, read-only flag, source (Kafka's numbering), sensitivity and synonyms."""
    admin = admin_for(request)
    resource = resource_of(request)
    try:
        entries = admin.describe_configs([resource])[resource].result()
        answer: Json = {'error_code': 0, 'configs': {
            name: {'value': entry.value, 'read_only': entry.is_read_only, 'sensitive': entry.is_sensitive,
                   'source': source_of(entry),
                   'synonyms': [[s.name, s.value, source_of(s)] for s in entry.synonyms.values()]}
            for name, entry in entries.items()}}
    except KafkaException as error:
        answer = dict(error_of(error.args[0]), error_code=error.args[0].code())
    admin.poll(0)
    return answer


def alter_configs(request: Json) -> Json:
    """AlterConfigs (not incremental): the resource's overrides become exactly `configs`."""
    admin = admin_for(request)
    resource = resource_of(request, request['configs'])
    try:
        admin.alter_configs([resource])[resource].result()
        answer: Json = {'error_code': 0}
    except KafkaException as error:
        answer = dict(error_of(error.args[0]), error_code=error.args[0].code())
    admin.poll(0)
    return answer


def delete_topic(request: Json) -> Json:
    admin = admin_for(request)
    try:
        admin.delete_topics([request['topic']], operation_timeout=30)[request['topic']].result()
        answer: Json = {'error': None}
    except KafkaException as error:
        answer = error_of(error.args[0])
    admin.poll(0)
    return answer


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
}


def main() -> None:
    request: Json = json.load(sys.stdin)
    answer = OPS[request['op']](request)
    answer['requests'] = sorted(REQUESTS.sent)
    json.dump(answer, sys.stdout)


if __name__ == '__main__':
    main()
