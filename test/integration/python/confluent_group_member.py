#!/usr/bin/python3
"""One consumer-group member of confluent-kafka-python 1.7.0 (librdkafka 2.0.2), driven by
test/integration/confluent-kafka-groups.test.ts through confluent-group-member.ts.

argv[1] is a JSON object: {"bootstrap", "group", "topic", "assignor", "name", "instance"?, "session_ms"?}.
Prints one JSON line per event: {"event": "assigned"|"revoked", "partitions": [...], "owned": [...]} after
each rebalance callback (owned: what the member holds afterwards), {"event": "record", "partition",
"offset", "value"} per consumed record, {"event": "error", ...} for consumer errors. A "close" line on
stdin closes the consumer (a dynamic member leaves the group) and exits 0.
"""
from __future__ import annotations

import json
import sys
import threading
from typing import Any, Dict, List, Set

from confluent_kafka import Consumer, TopicPartition

config: Dict[str, Any] = json.loads(sys.argv[1])
cooperative = config['assignor'] == 'cooperative-sticky'
owned: Set[int] = set()
closing = threading.Event()


def emit(entry: Dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(entry) + '\n')
    sys.stdout.flush()


def partitions_of(partitions: List[TopicPartition]) -> List[int]:
    return sorted(p.partition for p in partitions)


def on_assign(consumer: Consumer, partitions: List[TopicPartition]) -> None:
    global owned
    # Eager assignors hand over the whole assignment; cooperative-sticky only what is added.
    owned = (owned | set(partitions_of(partitions))) if cooperative else set(partitions_of(partitions))
    if cooperative:
        consumer.incremental_assign(partitions)
    else:
        consumer.assign(partitions)
    emit({'event': 'assigned', 'partitions': partitions_of(partitions), 'owned': sorted(owned)})


def on_revoke(consumer: Consumer, partitions: List[TopicPartition]) -> None:
    global owned
    owned = (owned - set(partitions_of(partitions))) if cooperative else set()
    if cooperative:
        consumer.incremental_unassign(partitions)
    else:
        consumer.unassign()
    emit({'event': 'revoked', 'partitions': partitions_of(partitions), 'owned': sorted(owned)})


def watch_stdin() -> None:
    for line in sys.stdin:
        if line.strip() == 'close':
            break
    closing.set()


settings: Dict[str, Any] = {
    'bootstrap.servers': config['bootstrap'],
    'group.id': config['group'],
    'client.id': config['name'],
    'partition.assignment.strategy': config['assignor'],
    'auto.offset.reset': 'earliest',
    'session.timeout.ms': config.get('session_ms', 6000),
    'heartbeat.interval.ms': 500,
    'topic.metadata.refresh.interval.ms': 1000,
}
if config.get('instance') is not None:
    settings['group.instance.id'] = config['instance']
consumer = Consumer(settings)
consumer.subscribe([config['topic']], on_assign=on_assign, on_revoke=on_revoke, on_lost=on_revoke)
threading.Thread(target=watch_stdin, daemon=True).start()
while not closing.is_set():
    message = consumer.poll(0.1)
    if message is None:
        continue
    if message.error() is not None:
        emit({'event': 'error', 'code': message.error().code(), 'text': message.error().str()})
        continue
    emit({'event': 'record', 'partition': message.partition(), 'offset': message.offset(),
          'value': message.value().decode('utf-8')})
consumer.close()
emit({'event': 'closed'})
