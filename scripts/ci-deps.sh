#!/usr/bin/env bash
# Installs the Debian packages the tests need: protoc (the byte-identical
# buf-vs-protoc test) and the well-known .proto files it compiles against.
set -euo pipefail
if command -v protoc >/dev/null 2>&1 && [ -f /usr/include/google/protobuf/timestamp.proto ]; then
  exit 0
fi
sudo_if_needed=""
if [ "$(id -u)" -ne 0 ]; then sudo_if_needed="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo_if_needed apt-get update -qq
$sudo_if_needed apt-get install -y -qq --no-install-recommends protobuf-compiler libprotobuf-dev >/dev/null
protoc --version
