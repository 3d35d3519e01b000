#!/usr/bin/env bash
# Evaluate an upgrade of the libraries whose private internals Convene adapts (signaling/adapters.py):
# a throwaway venv (var/adapters-latest) with every pin kept except aiortc, aioice, pylibsrtp, daphne,
# Twisted and autobahn, which get their newest releases; then the adapter tests with the version
# pins ignored (CONVENE_ADAPTER_PINS=ignore), so they answer "do the private names still fit, and do
# media forwarding and the direct writes still work?". It prints the versions it tried first.
#   make adapters-latest        (or: ADAPTER_TESTS="tests/architecture" make adapters-latest)
# If it passes: move the pins (requirements.txt, constraints.txt, signaling/adapters.py) and run
# `make test`. Not part of `make test`: it needs the package index and a few minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=var/adapters-latest
adapted='^(aiortc|aioice|pylibsrtp|daphne|twisted|autobahn)(==|\[|$)'
tests=${ADAPTER_TESTS:-"tests/architecture/test_adapters.py tests/signaling/consumers/test_direct_write.py
  tests/signaling/media/test_passthrough.py tests/signaling/media/test_sendpath.py tests/signaling/media/test_no_transcoding.py
  tests/signaling/consumers/test_live_server.py"}
rm -rf "$venv"
"${PYTHON:-python3}" -m venv "$venv"
grep -viE "$adapted" requirements.txt > "$venv/requirements.txt"
cp requirements-dev.txt "$venv/"  # its "-r requirements.txt" is then the filtered copy beside it
grep -viE "$adapted" constraints.txt > "$venv/constraints.txt"
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet -r "$venv/requirements-dev.txt" -c "$venv/constraints.txt"
"$venv/bin/python" -m pip install --quiet --upgrade aiortc aioice pylibsrtp daphne twisted autobahn
"$venv/bin/python" -m pip list 2>/dev/null | grep -iE "^(aiortc|aioice|pylibsrtp|daphne|twisted|autobahn) "
"$venv/bin/python" signaling/media/wire_build.py || echo "adapters-latest: the C send path did not build (Python path used)"
# shellcheck disable=SC2086
CONVENE_ADAPTER_PINS=ignore "$venv/bin/python" -m pytest -q -p no:cacheprovider $tests
