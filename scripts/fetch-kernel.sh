#!/usr/bin/env bash
# Fetch Debian's kernel source into a cache outside the repo, for parse reports,
# triage, benchmarks and soak runs. Never copies kernel source into the repo.
#   scripts/fetch-kernel.sh [6.12|6.1 ...]     (default: 6.12 6.1)
# Result: $FSDAX_AUDIT_CACHE/linux-<ver>/ (default cache: ~/.cache/fsdax-audit)
set -euo pipefail
cache="${FSDAX_AUDIT_CACHE:-$HOME/.cache/fsdax-audit}"
versions=("$@"); [ ${#versions[@]} -gt 0 ] || versions=(6.12 6.1)
mkdir -p "$cache"
for v in "${versions[@]}"; do
  dest="$cache/linux-$v"
  if [ -f "$dest/.complete" ]; then echo "fetch-kernel: $dest is ready"; continue; fi
  work="$cache/dl-$v"; rm -rf "$work"; mkdir -p "$work"
  ( cd "$work"
    if ! apt-get download "linux-source-$v" >/dev/null 2>&1; then
      apt-get update >/dev/null; apt-get download "linux-source-$v"
    fi
    dpkg-deb -x linux-source-"$v"_*.deb x )
  tarball=$(ls "$work"/x/usr/src/linux-source-"$v".tar.* | head -1)
  rm -rf "$dest"; mkdir -p "$dest"
  tar -xf "$tarball" -C "$dest" --strip-components=1
  rm -rf "$work"
  echo "$v" > "$dest/.complete"
  echo "fetch-kernel: $dest ($(du -sh "$dest" | cut -f1))"
done
