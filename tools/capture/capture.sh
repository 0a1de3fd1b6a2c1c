#!/usr/bin/env bash
# Captures the requests that real clients (kcat/librdkafka and KafkaJS) send, and the answers of
# librdkafka's in-memory mock cluster, into test/fixtures/golden/. Run once by hand, as root, when the
# fixtures must change; CI never runs it. Needs: apt-get install -y kcat librdkafka-dev tcpdump tshark gcc.
# The mock cluster is a real, independent Kafka-protocol peer, so nothing of our codec shapes a fixture.
# One tcpdump records all of loopback; every step talks to a mock cluster of its own, so the broker
# port tells which step a TCP stream belongs to (steps.tsv: step, port).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
gcc -O2 -o "$work/kafka_mock" "$root/../shared/bench/peers/kafka_mock.c" -lrdkafka
tcpdump -i lo -U -w "$work/all.pcap" tcp 2> "$work/tcpdump.log" &
dump=$!
for _ in $(seq 50); do grep -q listening "$work/tcpdump.log" && break; sleep 0.1; done
sleep 1 # tcpdump announces itself slightly before its capture is live

bootstrap=
# Runs "$@" against a fresh mock cluster whose bootstrap address is in $bootstrap.
step() {
  local name=$1; shift
  "$work/kafka_mock" 1 120 > "$work/$name.addr" &
  local mock=$!
  for _ in $(seq 50); do [ -s "$work/$name.addr" ] && break; sleep 0.1; done
  bootstrap=$(head -1 "$work/$name.addr")
  printf '%s\t%s\n' "$name" "${bootstrap##*:}" >> "$work/steps.tsv"
  "$@"
  kill "$mock"; wait "$mock" 2>/dev/null || true
}

kcat_metadata() {
  kcat -b "$bootstrap" -L
}
# librdkafka sends a batch uncompressed when compression would not make it smaller: pad the value.
kcat_produce() {
  printf 'key-1\tvalue-1 %s %s\n' "$1" "$(printf 'x%.0s' $(seq 100))" | kcat -b "$bootstrap" -P -t "golden-$1" -p 0 -K $'\t' -H trace=abc -z "$1"
}
kcat_consume() {
  kcat_produce gzip
  timeout 60 kcat -b "$bootstrap" -C -t golden-gzip -p 0 -o beginning -e -q
}
kafkajs() {
  (cd "$root" && timeout 60 node --import tsx tools/capture/kafkajs-session.ts "$bootstrap" "$1")
}

step kcat-metadata kcat_metadata
for codec in none gzip snappy lz4 zstd; do step "kcat-produce-$codec" kcat_produce "$codec"; done
step kcat-consume kcat_consume
for codec in none gzip snappy lz4 zstd; do step "kafkajs-produce-$codec" kafkajs "produce-$codec"; done
kafkajs_consume() {
  kafkajs produce-gzip
  kafkajs consume
}
step kafkajs-consume kafkajs_consume
sleep 1
kill "$dump"; wait "$dump" 2>/dev/null || true

cd "$root"
for client in kcat kafkajs; do
  node --import tsx tools/capture/extract-frames.ts "$work" "$client" > "test/fixtures/golden/$client.json"
done
echo "wrote test/fixtures/golden/{kcat,kafkajs}.json"
