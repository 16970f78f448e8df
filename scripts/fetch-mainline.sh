#!/usr/bin/env bash
# Fetch a whole mainline-era (6.15+) kernel tree into a cache outside the repo, for the era-6.15
# triage, the recall hunt, the repro build and the benchmarks. Never copies kernel source into the repo.
#   scripts/fetch-mainline.sh                                # Debian unstable's newest linux-source-N
#   FSDAX_LINUX_GIT=/path/to/linux.git scripts/fetch-mainline.sh   # or a git dir, at HEAD (git archive)
# Debian's package is a released mainline kernel plus Debian's patches; it is downloaded with apt-get
# through a private apt configuration in the cache, so the machine's apt sources are not touched.
# Result: $FSDAX_AUDIT_CACHE/linux-mainline/ (default cache ~/.cache/fsdax-audit), the whole tree,
# with VERSION naming the source (Debian package version or commit), the Makefile version, and the
# era markers of the files that decide the FS-DAX era, read from their content.
set -euo pipefail
cache="${FSDAX_AUDIT_CACHE:-$HOME/.cache/fsdax-audit}"
dest="$cache/linux-mainline"
mkdir -p "$cache"

if [ -z "${FSDAX_LINUX_GIT:-}" ]; then
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
  source_line="source: Debian $pkg $debver"
  if [ -f "$dest/.complete" ] && grep -qxF "$source_line" "$dest/VERSION" 2>/dev/null; then
    echo "fetch-mainline: $dest is ready ($source_line)"; exit 0
  fi
  deb_dir="$cache/dl-mainline"
  deb=$(ls "$deb_dir"/"$pkg"_"$debver"_*.deb 2>/dev/null | head -1 || true)
  if [ -z "$deb" ]; then
    ( cd "$deb_dir" && apt-get "${apt_opts[@]}" download "$pkg=$debver" >/dev/null )
    deb=$(ls "$deb_dir"/"$pkg"_"$debver"_*.deb | head -1)
    for old in "$deb_dir"/linux-source-*.deb; do [ "$old" = "$deb" ] || rm -f "$old"; done
  fi
  ver=${pkg#linux-source-}
  tmp="$dest.new"; rm -rf "$tmp"; mkdir -p "$tmp"
  dpkg-deb --fsys-tarfile "$deb" | tar -xO -f - "./usr/src/linux-source-$ver.tar.xz" \
    | tar -xJ -f - -C "$tmp" --strip-components=1
else
  commit=$(git --git-dir="$FSDAX_LINUX_GIT" rev-parse HEAD)
  source_line="source: git $FSDAX_LINUX_GIT commit $commit"
  if [ -f "$dest/.complete" ] && grep -qxF "$source_line" "$dest/VERSION" 2>/dev/null; then
    echo "fetch-mainline: $dest is ready ($source_line)"; exit 0
  fi
  tmp="$dest.new"; rm -rf "$tmp"; mkdir -p "$tmp"
  git --git-dir="$FSDAX_LINUX_GIT" archive HEAD | tar -x -C "$tmp"
fi

kver=$(awk -F' *= *' '/^VERSION/{v=$2} /^PATCHLEVEL/{p=$2} /^SUBLEVEL/{s=$2} /^EXTRAVERSION/{e=$2; exit} END{printf "%s.%s.%s%s", v, p, s, e}' "$tmp/Makefile")
{
  echo "$source_line"
  echo "kernel: $kver (Makefile)"
  echo "era markers (read from each file's content):"
  for f in fs/dax.c include/linux/page-flags.h include/linux/mm_types.h include/linux/memremap.h \
           mm/memory.c mm/memory-failure.c include/linux/pgtable.h; do
    [ -f "$tmp/$f" ] || { printf '  %s missing\n' "$f"; continue; }
    marks=()
    grep -q 'dax_folio_is_shared' "$tmp/$f" && marks+=("dax_folio_is_shared")
    grep -q 'PAGE_MAPPING_DAX_SHARED' "$tmp/$f" && marks+=("PAGE_MAPPING_DAX_SHARED")
    grep -Eq 'folio->share\b' "$tmp/$f" && marks+=("folio->share")
    grep -Eq '\b(pte|pmd|pud)_devmap\b' "$tmp/$f" && marks+=("pXd_devmap") || true
    grep -Eq '\b(folio_is_fsdax|is_fsdax_page)\b' "$tmp/$f" && marks+=("folio_is_fsdax") || true
    printf '  %s sha1=%s %s\n' "$f" "$(sha1sum "$tmp/$f" | cut -c1-12)" "${marks[*]:-(no markers)}"
  done
} > "$tmp/VERSION"
echo "$kver" > "$tmp/.complete"   # what the scripts' requireKernelTree() looks for
rm -rf "$dest"; mv "$tmp" "$dest"
echo "fetch-mainline: $dest ($(du -sh "$dest" | cut -f1))"; cat "$dest/VERSION"
