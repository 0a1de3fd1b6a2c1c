#!/usr/bin/env bash
# Installs what the tests need beyond npm when it is missing, so that `npm ci && npm test` works on a
# fresh Debian machine: kcat (librdkafka's command-line client) for the real-client tests.
set -euo pipefail
missing=()
command -v kcat > /dev/null 2>&1 || missing+=(kcat)
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo > /dev/null 2>&1 || { echo "tests need: ${missing[*]} (apt-get install -y ${missing[*]}, as root)" >&2; exit 1; }
  sudo=sudo
fi
echo "installing test dependencies: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" > /dev/null
