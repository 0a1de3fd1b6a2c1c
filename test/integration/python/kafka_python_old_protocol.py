#!/usr/bin/python3
"""kafka-python 2.0.2 pinned to an old broker protocol (api_version) for kafka-python-old-protocol.test.ts.

Reads one JSON request from stdin ({"bootstrap", "topic", "api_version": [0, 10, 0], "compression"}),
produces three keyed records, reads them back from the log start, and answers with one JSON object:
the records as read and the names of the Kafka requests kafka-python sent (from its debug log).
"""
from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any, Dict, List, Set

from kafka import KafkaConsumer, KafkaProducer, TopicPartition


class RequestLog(logging.Handler):
    """Collects the names of the requests kafka-python encodes ("Sending request %s")."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.sent: Set[str] = set()

    def emit(self, record: logging.LogRecord) -> None:
        if record.msg == 'Sending request %s' and record.args:
            self.sent.add(type(record.args[0]).__name__)


def main() -> None:
    request: Dict[str, Any] = json.loads(sys.stdin.read())
    log = RequestLog()
    logging.getLogger('kafka').addHandler(log)
    logging.getLogger('kafka').setLevel(logging.DEBUG)
    api_version = tuple(request['api_version'])
    producer = KafkaProducer(
        bootstrap_servers=request['bootstrap'],
        api_version=api_version,
        acks='all',
        compression_type=request.get('compression'),
    )
    for index in range(3):
        producer.send(request['topic'], key=b'k%d' % index, value=b'v%d' % index, partition=0).get(timeout=30)
    producer.close()
    consumer = KafkaConsumer(
        bootstrap_servers=request['bootstrap'],
        api_version=api_version,
        group_id=None,
        enable_auto_commit=False,
    )
    partition = TopicPartition(request['topic'], 0)
    consumer.assign([partition])
    consumer.seek_to_beginning(partition)
    records: List[Dict[str, Any]] = []
    deadline = time.monotonic() + 30
    while len(records) < 3 and time.monotonic() < deadline:
        for messages in consumer.poll(timeout_ms=500).values():
            records.extend({
                'offset': m.offset,
                'key': m.key.decode(),
                'value': m.value.decode(),
                'timestamp': m.timestamp,
            } for m in messages)
    consumer.close(autocommit=False)
    print(json.dumps({'records': records, 'requests': sorted(log.sent)}))


if __name__ == '__main__':
    main()
