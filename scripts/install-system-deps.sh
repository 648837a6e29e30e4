#!/usr/bin/env bash
# Debian packages the registry tests use. Idempotent; needs root to install.
set -euo pipefail
need=()
command -v docker-registry >/dev/null 2>&1 || need+=(docker-registry)
command -v skopeo >/dev/null 2>&1 || need+=(skopeo)
command -v htpasswd >/dev/null 2>&1 || need+=(apache2-utils)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing ${need[*]} with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
else
  echo "warning: ${need[*]} missing and not root: registry tests will be skipped" >&2
  echo "         (install them with: sudo apt-get install ${need[*]})" >&2
  if [ "${CI:-}" = "true" ]; then exit 1; fi
fi
