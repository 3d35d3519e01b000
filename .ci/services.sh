#!/usr/bin/env bash
# Make sure the real services the test suite needs are here: Redis on
# 127.0.0.1:6379, Debian's Chromium + ChromeDriver for the browser tests, Node.js + npm
# for the browser-test tooling, espeak-ng for the caption tests and nginx for the proxy-config check.
# Installs them with apt-get when running as root; otherwise says what is missing.
set -euo pipefail

apt_install() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "services: $* missing and not root: install it (e.g. sudo apt-get install $*)" >&2
    return 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null || true
  apt-get install -y -qq "$@" >/dev/null
}

redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }

if ! redis_up; then
  command -v redis-server >/dev/null || apt_install redis-server
  mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 1 50); do redis_up && break; sleep 0.1; done
  redis_up || { echo "services: Redis did not start on 127.0.0.1:6379" >&2; exit 1; }
fi

if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "services: the browser tests need Debian's Chromium and ChromeDriver at /usr/bin/chromium and" >&2
    echo "services: /usr/bin/chromedriver, and they are missing. Install them as root, then run make test again:" >&2
    echo "services:   sudo apt-get install chromium chromium-driver" >&2
    exit 1
  fi
  apt_install chromium chromium-driver
fi

# Node.js and npm: `make test` runs `npm ci --prefix frontend` (axe-core for the browser tests).
command -v npm >/dev/null || apt_install nodejs npm

# espeak-ng: the automatic-captions tests speak a known script (tests/signaling/media/test_captions.py).
command -v espeak-ng >/dev/null || apt_install espeak-ng

# nginx: the reverse-proxy config in deploy/ is checked with `nginx -t`.
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || apt_install nginx-light
