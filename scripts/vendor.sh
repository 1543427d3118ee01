#!/usr/bin/env bash
# Vendor third-party browser code from its npm package into static/vendor/ (never a CDN at run
# time): the package is fetched with `npm pack` at a pinned version, its integrity checked against
# the pinned hash, and only the files the pages load are copied, with its package.json (version, licence: Beerware for VectorGrid).
#   scripts/vendor.sh          (re)vendor everything listed below; the copies are committed
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

# name  version  sha512 integrity (npm view <name>@<version> dist.integrity)  files (package path:dest name)
PACKAGES=(
  "leaflet.vectorgrid|1.3.0|sha512-kWmj1pKM+MVdo/7Mg5zsB3YrGZvo/uIuiANV9MvWUFOG+Y2xAJzrteDhoIcCgTjHSSRJ36xdeGdIQVhuWjnCZw==|dist/Leaflet.VectorGrid.bundled.min.js:Leaflet.VectorGrid.bundled.min.js package.json:package.json"
)

command -v npm >/dev/null || { echo "[vendor] npm is missing (Debian: apt-get install npm)"; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
for entry in "${PACKAGES[@]}"; do
  IFS='|' read -r name version integrity files <<<"$entry"
  (cd "$TMP" && npm pack --silent "$name@$version" >/dev/null)
  tgz=$(ls "$TMP"/*.tgz)
  got="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
  [ "$got" = "$integrity" ] || { echo "[vendor] $name@$version: integrity $got, expected $integrity"; exit 1; }
  mkdir -p "$TMP/x" && tar -xzf "$tgz" -C "$TMP/x"
  dest="$ROOT/static/vendor/$name"
  mkdir -p "$dest"
  for f in $files; do cp "$TMP/x/package/${f%%:*}" "$dest/${f#*:}"; done
  echo "$name@$version $integrity" > "$dest/VERSION"
  echo "[vendor] $name@$version -> static/vendor/$name"
  rm -rf "$TMP/x" "$tgz"
done
