#!/usr/bin/env bash
# Installs the Debian packages the tests need:
# - protobuf-compiler, libprotobuf-dev: protoc and the well-known .proto files
#   (the byte-identical buf-vs-protoc test);
# - python3-grpcio, python3-protobuf, grpc-proto: a foreign gRPC client
#   (Debian's /usr/bin/python3) and the standard grpc .proto files;
# - openssl: certificates made by the TLS and mTLS tests.
set -euo pipefail
packages=(protobuf-compiler libprotobuf-dev python3-grpcio python3-protobuf grpc-proto openssl)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi
sudo_if_needed=""
if [ "$(id -u)" -ne 0 ]; then sudo_if_needed="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo_if_needed apt-get update -qq
$sudo_if_needed apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
