# Installs pypinyin's phrase dictionary (MIT licence) for recast's Chinese front end, which
# loads it at run time from $RECAST_HOME/zh/pypinyin/phrases_dict.json when present (see
# `Lexicon::standard`). Without it the front end still works with its built-in lexicon.
#
# Meant to be sourced by scripts/setup:
#   . src/text/zh/install-phrases.sh
#   install_zh_phrases "$RECAST_HOME"
# Idempotent; needs python3 with pip. Only the dictionary and its licence are kept.

PYPINYIN_VERSION=0.55.0
PYPINYIN_PHRASES_SHA256=a45ff140a6b631ca9c82127b280a2f414e0aba6bb2824a0e9d1e77fff359c665

install_zh_phrases() {
  local home=$1
  local dest="$home/zh/pypinyin"
  if [ -s "$dest/phrases_dict.json" ] &&
    echo "$PYPINYIN_PHRASES_SHA256  $dest/phrases_dict.json" | sha256sum -c --status 2>/dev/null; then
    return 0
  fi
  local tmp
  tmp=$(mktemp -d)
  python3 -m pip download --quiet --no-deps --only-binary=:all: \
    "pypinyin==$PYPINYIN_VERSION" -d "$tmp" || { rm -rf "$tmp"; return 1; }
  mkdir -p "$dest"
  python3 - "$tmp"/pypinyin-*.whl "$dest" "$PYPINYIN_PHRASES_SHA256" <<'PY' || { rm -rf "$tmp"; return 1; }
import hashlib, os, sys, zipfile
wheel, dest, digest = sys.argv[1:4]
with zipfile.ZipFile(wheel) as z:
    data = z.read("pypinyin/phrases_dict.json")
    if hashlib.sha256(data).hexdigest() != digest:
        sys.exit("pypinyin phrases_dict.json: unexpected digest")
    licence = next(n for n in z.namelist() if n.endswith("LICENSE.txt"))
    for name, content in (("phrases_dict.json", data), ("LICENSE.txt", z.read(licence))):
        part = os.path.join(dest, name + ".part")
        with open(part, "wb") as f:
            f.write(content)
        os.replace(part, os.path.join(dest, name))
PY
  rm -rf "$tmp"
}
