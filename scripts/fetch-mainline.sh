#!/usr/bin/env bash
# Copy the mainline (6.15+) kernel files the era-6.15 work reads into a cache outside the repo.
# Never copies kernel source into the repo.
#   scripts/fetch-mainline.sh            # files listed below, from the first source found
#   FSDAX_LINUX_GIT=/path/to/linux.git scripts/fetch-mainline.sh   # a given git dir, at HEAD
#   FSDAX_MAINLINE_FILES="mm/foo.c ..." scripts/fetch-mainline.sh  # more files
# Sources, first found wins:
#   1. a git directory of torvalds/linux: $FSDAX_LINUX_GIT, else /work/.mirror/torvalds+linux*
#      (the search tool's `fetch`); files are read with `git show HEAD:path`;
#   2. Debian's newest linux-source-N from unstable (a released mainline kernel plus Debian's
#      patches), downloaded with apt-get through a private apt configuration in the cache, so the
#      machine's apt sources are not touched; only the listed files are extracted.
# Result: $FSDAX_AUDIT_CACHE/linux-mainline/ (default cache ~/.cache/fsdax-audit), with VERSION
# naming the source (commit or Debian package version), the Makefile version, and each file's
# era markers (dax_folio_is_shared, folio->share, pte_devmap) read from its content.
set -euo pipefail
cache="${FSDAX_AUDIT_CACHE:-$HOME/.cache/fsdax-audit}"
dest="$cache/linux-mainline"
files=(
  Makefile mm/Kconfig
  fs/dax.c mm/memory-failure.c mm/gup.c mm/rmap.c mm/memory.c mm/huge_memory.c
  mm/memremap.c mm/util.c mm/hwpoison-inject.c
  include/linux/mm.h include/linux/page-flags.h include/linux/dax.h include/linux/mm_types.h
  include/linux/rmap.h include/linux/memremap.h include/linux/huge_mm.h include/linux/pgtable.h
  include/linux/mmzone.h include/linux/fs.h
  fs/xfs/xfs_notify_failure.c
)
# shellcheck disable=SC2206
[ -z "${FSDAX_MAINLINE_FILES:-}" ] || files+=(${FSDAX_MAINLINE_FILES})
mkdir -p "$cache"
tmp="$dest.new"; rm -rf "$tmp"; mkdir -p "$tmp"

gitdir="${FSDAX_LINUX_GIT:-}"
if [ -z "$gitdir" ]; then
  for d in /work/.mirror/torvalds+linux*; do
    [ -e "$d" ] || continue
    if git --git-dir="$d" rev-parse HEAD >/dev/null 2>&1; then gitdir="$d"; break; fi
    for g in "$d"/*.git "$d"/.git; do
      if [ -e "$g" ] && git --git-dir="$g" rev-parse HEAD >/dev/null 2>&1; then gitdir="$g"; break 2; fi
    done
  done
fi

if [ -n "$gitdir" ]; then
  commit=$(git --git-dir="$gitdir" rev-parse HEAD)
  for f in "${files[@]}"; do
    mkdir -p "$tmp/$(dirname "$f")"
    git --git-dir="$gitdir" show "HEAD:$f" > "$tmp/$f"
  done
  source_line="source: git $gitdir commit $commit"
else
  apt_dir="$cache/dl-mainline/apt"
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
  echo "deb http://deb.debian.org/debian unstable main" > "$apt_dir/sources.list"
  apt_opts=(-o "Dir::Etc::sourcelist=$apt_dir/sources.list" -o "Dir::Etc::sourceparts=-"
            -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
            -o "Dir::State::status=/dev/null" -o "APT::Sandbox::User=root")
  apt-get "${apt_opts[@]}" update >/dev/null
  pkg=$(apt-cache "${apt_opts[@]}" search --names-only '^linux-source-[0-9]+\.[0-9]+$' \
        | cut -d' ' -f1 | sort -V | tail -1)
  [ -n "$pkg" ] || { echo "fetch-mainline: no linux-source-N in Debian unstable" >&2; exit 1; }
  debver=$(apt-cache "${apt_opts[@]}" show "$pkg" | sed -n 's/^Version: //p' | sort -V | tail -1)
  deb_dir="$cache/dl-mainline"
  deb=$(ls "$deb_dir"/"$pkg"_"$debver"_*.deb 2>/dev/null | head -1 || true)
  if [ -z "$deb" ]; then
    ( cd "$deb_dir" && apt-get "${apt_opts[@]}" download "$pkg=$debver" >/dev/null )
    deb=$(ls "$deb_dir"/"$pkg"_"$debver"_*.deb | head -1)
    # keep only the newest package
    for old in "$deb_dir"/linux-source-*.deb; do [ "$old" = "$deb" ] || rm -f "$old"; done
  fi
  ver=${pkg#linux-source-}
  members=(); for f in "${files[@]}"; do members+=("linux-source-$ver/$f"); done
  dpkg-deb --fsys-tarfile "$deb" | tar -xO -f - "./usr/src/linux-source-$ver.tar.xz" \
    | tar -xJ -f - -C "$tmp" --strip-components=1 "${members[@]}"
  source_line="source: Debian $pkg $debver ($(basename "$deb"))"
fi

mk=$tmp/Makefile
kver=$(awk -F' *= *' '/^VERSION/{v=$2} /^PATCHLEVEL/{p=$2} /^SUBLEVEL/{s=$2} /^EXTRAVERSION/{e=$2; exit} END{printf "%s.%s.%s%s", v, p, s, e}' "$mk")
{
  echo "$source_line"
  echo "kernel: $kver (Makefile)"
  echo "files (era markers read from each file's content):"
  for f in "${files[@]}"; do
    marks=()
    grep -q 'dax_folio_is_shared' "$tmp/$f" && marks+=("dax_folio_is_shared")
    grep -q 'PAGE_MAPPING_DAX_SHARED' "$tmp/$f" && marks+=("PAGE_MAPPING_DAX_SHARED")
    grep -Eq 'folio->share\b' "$tmp/$f" && marks+=("folio->share")
    grep -Eq '\b(pte|pmd|pud)_devmap\b' "$tmp/$f" && marks+=("pXd_devmap") || true
    grep -Eq '\b(folio_is_fsdax|is_fsdax_page)\b' "$tmp/$f" && marks+=("folio_is_fsdax") || true
    printf '  %s sha1=%s %s\n' "$f" "$(sha1sum "$tmp/$f" | cut -c1-12)" "${marks[*]:-(no markers)}"
  done
} > "$tmp/VERSION"
echo "$kver" > "$tmp/.complete"   # what the scripts' requireKernelTree() looks for (npm run score -- --version mainline)
rm -rf "$dest"; mv "$tmp" "$dest"
echo "fetch-mainline: $dest"; cat "$dest/VERSION"
