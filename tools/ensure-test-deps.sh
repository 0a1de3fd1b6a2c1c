#!/usr/bin/env bash
# Installs what the tests need beyond npm when it is missing, so that `npm ci && npm test` works on a
# fresh Debian machine: kcat (librdkafka's command-line client) and Debian's Python Kafka clients
# (confluent-kafka-python over librdkafka; kafka-python with its snappy/lz4/zstd codecs and the C
# CRC-32C it prefers to its pure-Python one), which the real-client tests run with /usr/bin/python3, and
# the headers node-rdkafka's bundled librdkafka links against (zstd, OpenSSL, zlib, lz4). npm ci compiles
# node-rdkafka before this script runs: on a machine without these headers, run this script once and
# `npm rebuild node-rdkafka` (librdkafka then builds with every codec and TLS).
# Quiet when everything is there; no prompts (CI=true, no stdin).
set -euo pipefail
missing=()
command -v kcat > /dev/null 2>&1 || missing+=(kcat)
for package in python3-confluent-kafka python3-kafka python3-snappy python3-lz4 python3-zstandard python3-crc32c \
  libzstd-dev libssl-dev zlib1g-dev liblz4-dev; do
  status=$(dpkg-query -W -f='${Status}' "$package" 2> /dev/null || true)
  [ "$status" = 'install ok installed' ] || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo > /dev/null 2>&1 || { echo "tests need: ${missing[*]} (apt-get install -y ${missing[*]}, as root)" >&2; exit 1; }
  sudo='sudo -n'
fi
echo "installing test dependencies: ${missing[*]}"
# Another apt run (a parallel job, unattended upgrades) may hold the dpkg lock: wait for it instead of failing.
apt=(apt-get -o DPkg::Lock::Timeout=300 -qq)
$sudo "${apt[@]}" update
$sudo env DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y --no-install-recommends "${missing[@]}" > /dev/null < /dev/null
