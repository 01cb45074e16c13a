#!/usr/bin/env bash
# The Python bridge's test (bridges/python) needs Debian's gRPC and protobuf for Python and protoc.
# Installs them with apt when missing (as root, or with sudo); uses the system's configured apt
# sources, nothing else.
set -euo pipefail

packages=(python3-grpcio python3-protobuf protobuf-compiler)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done

if [[ ${#missing[@]} -eq 0 ]]; then
    exit 0
fi

echo "[a2c] installing ${missing[*]} for the Python bridge's test (apt)"
sudo_cmd=()
[[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
