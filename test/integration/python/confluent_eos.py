#!/usr/bin/python3
"""confluent-kafka-python 1.7.0 (librdkafka 2.0.2) exactly-once consume-transform-produce loop, driven by
test/integration/confluent-eos.test.ts.

Reads one JSON request from stdin: {"bootstrap", "input", "output", "group", "transactional_id", "total",
"batch"}. Consumes `input` (read_committed, no auto commit), and for each batch of records produces
"<value>:done" with the same key to `output` and sends the consumer's positions with
send_offsets_to_transaction, in one transaction. Errors are handled as the client's EOS contract says:
an abortable error aborts the transaction and rewinds the consumer to its committed offsets, a
retriable commit is retried, a fatal error (fenced, or the producer gave up) makes a new producer with
the same transactional.id. Prints "progress <committed records>" after each commit and one final JSON
line {"committed": n, "aborted": n, "recreated": n} once `total` input records are committed.
"""
from __future__ import annotations

import json
import sys
import time
from typing import Any, Dict, List

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition

Json = Dict[str, Any]


def log(line: str) -> None:
    print(line, flush=True)


def new_producer(request: Json) -> Producer:
    producer = Producer({
        'bootstrap.servers': request['bootstrap'],
        'transactional.id': request['transactional_id'],
        'transaction.timeout.ms': 60000,
        'message.timeout.ms': 60000,
        'linger.ms': 5,
    })
    while True:
        try:
            producer.init_transactions(30)
            return producer
        except KafkaException as error:
            if error.args[0].retriable():
                continue
            raise


def rewind(consumer: Consumer) -> None:
    """Back to the committed offsets: the records of an aborted transaction are processed again."""
    assignment = consumer.assignment()
    if not assignment:
        return
    for tp in consumer.committed(assignment, timeout=30):
        offset = tp.offset if tp.offset >= 0 else 0
        consumer.seek(TopicPartition(tp.topic, tp.partition, offset))


def committed_total(consumer: Consumer, input_topic: str, partitions: int) -> int:
    tps = [TopicPartition(input_topic, p) for p in range(partitions)]
    return sum(max(tp.offset, 0) for tp in consumer.committed(tps, timeout=30))


def main() -> None:
    request: Json = json.loads(sys.stdin.read())
    consumer = Consumer({
        'bootstrap.servers': request['bootstrap'],
        'group.id': request['group'],
        'enable.auto.commit': False,
        'isolation.level': 'read_committed',
        'auto.offset.reset': 'earliest',
        'session.timeout.ms': 10000,
    })
    consumer.subscribe([request['input']])
    producer = new_producer(request)
    total = int(request['total'])
    partitions = int(request['partitions'])
    aborted = 0
    recreated = 0
    done = 0
    deadline = time.monotonic() + float(request.get('timeout_s', 600))
    while done < total:
        if time.monotonic() > deadline:
            raise RuntimeError(f'only {done} of {total} committed in time')
        messages = [m for m in consumer.consume(num_messages=int(request['batch']), timeout=1.0) if m.error() is None]
        if not messages:
            try:
                done = committed_total(consumer, request['input'], partitions)
            except KafkaException:
                pass
            continue
        try:
            producer.begin_transaction()
            for m in messages:
                producer.produce(request['output'], key=m.key(), value=m.value() + b':done')
            positions: List[TopicPartition] = [
                tp for tp in consumer.position(consumer.assignment()) if tp.offset >= 0]
            producer.send_offsets_to_transaction(positions, consumer.consumer_group_metadata(), 30)
            while True:
                try:
                    producer.commit_transaction(60)
                    break
                except KafkaException as error:
                    if error.args[0].retriable():
                        continue
                    raise
        except KafkaException as error:
            kafka_error = error.args[0]
            if kafka_error.fatal():
                recreated += 1
                producer = new_producer(request)
            else:
                try:
                    producer.abort_transaction(60)
                    aborted += 1
                except KafkaException:
                    recreated += 1
                    producer = new_producer(request)
            rewind(consumer)
            continue
        try:
            done = committed_total(consumer, request['input'], partitions)
        except KafkaException:
            pass
        log(f'progress {done}')
    consumer.close()
    log(json.dumps({'committed': done, 'aborted': aborted, 'recreated': recreated}))


if __name__ == '__main__':
    main()
