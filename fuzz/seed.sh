#!/usr/bin/env bash
# Build a seed corpus for every fuzz target into fuzz/corpus/<target>/ (gitignored).
# v1 and Fernet seeds are real files written by envseal under the fuzz targets' fixed
# key (32 bytes of 0x07), so mutations start from a valid header.
# Usage: fuzz/seed.sh   (re-runnable; replaces the seeds it wrote, keeps what the
# fuzzer found)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
cargo build -q --manifest-path "$root/Cargo.toml" --bin envseal
bin="$root/target/debug/envseal"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\n' >"$tmp/key"
chmod 600 "$tmp/key"

# Plaintext samples: every shape the parser distinguishes.
i=0
sample() { i=$((i + 1)); printf '%b' "$1" >"$tmp/s$i.env"; }
sample 'A=1\nB=two\n'
sample '# comment\nexport KEY = "quoted \\" value"  # inline\n\n  \nBARE\nnot an assignment\n'
sample '\xef\xbb\xbfA=1\r\nB='"'"'x\r\ny'"'"' # c\r\n# plain\r\n#OLD=hunter2\rlol$wut\nC'
sample 'MULTI="line one\nline two\n#not a comment\nend"\nNEXT=`back\ntick`\n'
sample "'quoted key'=v\nexport=1\nexport\nX = \t spaced \t\n=novalue\nK=a#b c #d\n"
sample 'DB_URL=postgres://user:p%40ss@db.example.com:5432/app?sslmode=require\nTOKEN=ZXhhbXBsZS10b2tlbi0xMjM0NTY3ODkw\nHEX=deadbeefcafebabe0123456789abcdef\n'
sample 'E=\nF=""\nG='"''"'\n#ENC[v1:looks-encrypted]\n#envseal:v1 bom=0\n'
sample 'NO_NEWLINE=at end'

mkdir -p "$here/corpus/dotenv_parse" "$here/corpus/v1_decrypt" \
  "$here/corpus/v1_roundtrip" "$here/corpus/fernet_decrypt" "$here/corpus/v1_stream" \
  "$here/corpus/v1_restream"
for f in "$tmp"/s*.env; do
  n=$(basename "$f" .env)
  cp "$f" "$here/corpus/dotenv_parse/seed-$n"
  { printf '\x00\x10\x00\x01'; cat "$f"; } >"$here/corpus/v1_roundtrip/seed-$n"
  { printf '\x01\x20\x00\x80'; cat "$f"; } >"$here/corpus/v1_roundtrip/seed-$n-comments"
  "$bin" -q encrypt "$f" --stdout --key-file "$tmp/key" \
    >"$here/corpus/v1_decrypt/seed-$n"
  "$bin" -q encrypt "$f" --stdout --encrypt-comments --key-file "$tmp/key" \
    >"$here/corpus/v1_decrypt/seed-$n-comments"
  "$bin" -q encrypt "$f" --stdout --format fernet --key-file "$tmp/key" \
    >"$here/corpus/fernet_decrypt/seed-$n"
  # v1_stream: a chunk-size byte, then the file.
  { printf '\x07'; cat "$here/corpus/v1_decrypt/seed-$n"; } >"$here/corpus/v1_stream/seed-$n"
  { printf '\x00'; cat "$here/corpus/v1_decrypt/seed-$n-comments"; } \
    >"$here/corpus/v1_stream/seed-$n-comments"
  # v1_restream: a sizes byte (high bit: add a line to the plaintext), then the file.
  { printf '\x93'; cat "$here/corpus/v1_decrypt/seed-$n"; } >"$here/corpus/v1_restream/seed-$n"
  { printf '\x00'; cat "$here/corpus/v1_decrypt/seed-$n-comments"; } \
    >"$here/corpus/v1_restream/seed-$n-comments"
done
# Tokens from the Fernet spec vectors (another key: they exercise parsing, not success).
vectors="$root/../shared/vectors/fernet"
[ -d "$vectors" ] || vectors=/work/shared/vectors/fernet
if [ -d "$vectors" ] && command -v python3 >/dev/null; then
  python3 - "$vectors" "$here/corpus/fernet_decrypt" <<'PY'
import json, sys, pathlib
src, dst = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
for name in ("generate.json", "verify.json", "invalid.json"):
    p = src / name
    if p.exists():
        for k, case in enumerate(json.loads(p.read_text())):
            (dst / f"vector-{p.stem}-{k}").write_text(case["token"])
PY
fi
echo "seeded: $(for d in "$here"/corpus/*; do printf '%s=%s ' "$(basename "$d")" "$(ls "$d" | wc -l)"; done)"
