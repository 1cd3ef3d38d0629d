#!/usr/bin/env bash
# Re-encrypting after one value changed, against a fresh encrypt, in ONE hyperfine run.
#
# Generates a 100,000-key (~7 MB) .env (scripts/gen-env.py) and the same file with one
# value changed (the middle key's). In two git work trees, each a natural pair
# `.env` -> `.env.encrypted` with its own ledger (so the sync record and the ledger
# event are paid, as a user pays them):
#   fresh      `envseal encrypt .env` with the output absent (removed before each run);
#   reencrypt  `envseal encrypt .env` with the output (and the ledger) as they were after
#              encrypting the original file, restored before each run;
#   uptodate   `envseal encrypt .env` of the original file over its own output (nothing
#              to do: "is up to date").
# (User+system CPU is printed beside wall time: on a loaded machine it is the steadier
# figure.) Then the peak RSS of each (/usr/bin/time -f %M), and prints the time ratio, each RSS
# over the plaintext's size, and checks that the re-encrypted file differs from the
# previous one in the changed value's line and the MAC line only.
#
# Usage: scripts/bench-reencrypt.sh [--quick] [KEYS]   (--quick: fewer runs; KEYS: 100000)
# Needs: cargo, python3, git, hyperfine, GNU time. Builds --release (niced). Leaves
# nothing behind but target/release. On a shared box, read the same-run ratio.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=(--warmup 2 --min-runs 10)
if [ "${1:-}" = "--quick" ]; then
  runs=(--warmup 1 --runs 3)
  shift
fi
keys=${1:-100000}

command -v hyperfine >/dev/null || { echo "bench-reencrypt: needs hyperfine" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench-reencrypt: needs GNU time (/usr/bin/time)" >&2; exit 1; }

if [ -z "${ENVSEAL_BIN:-}" ]; then
  echo "bench-reencrypt: building --release" >&2
  nice cargo build --release --quiet --manifest-path "$root/Cargo.toml" --bin envseal
fi
envseal=${ENVSEAL_BIN:-$root/target/release/envseal}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/envseal-reencrypt-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
export XDG_CONFIG_HOME="$tmp/config" ENVSEAL_KEYRING="$tmp/keyring"
unset SECRETS_MASTER_KEY ENVSEAL_LEDGER CI
"$envseal" -q generate-key --out key >/dev/null

python3 "$root/scripts/gen-env.py" "$keys" >orig.env
# One value changed: the middle assignment's value gets one more character.
python3 - "$keys" <<'PY'
import sys
lines = open("orig.env").read().split("\n")
import re
keys = [i for i, l in enumerate(lines) if re.fullmatch(r"(export )?[A-Z0-9_]+=[A-Za-z0-9_-]+", l)]
i = keys[len(keys) // 2]
lines[i] = lines[i] + "X"
open("changed.env", "w").write("\n".join(lines))
PY
size=$(stat -c %s changed.env)

# The edit comes after the encrypt, as in use: the plaintext is newer than its output
# (restored with `cp -p`, keeping that order). `uptodate` keeps the original plaintext.
for d in fresh reencrypt uptodate; do
  mkdir "$d"
  git -C "$d" init -q
  cp orig.env "$d/.env"
  (cd "$d" && "$envseal" -q encrypt .env --key-file ../key)
  cp "$d/.env.encrypted" "$d/orig.encrypted"
  cp -r "$d/.git/envseal" "$d/orig.ledger"
  [ "$d" = uptodate ] || cp changed.env "$d/.env"
done

hyperfine -N "${runs[@]}" --export-json times.json \
  --command-name fresh \
  --prepare "rm -f $tmp/fresh/.env.encrypted" \
  "sh -c 'cd $tmp/fresh && exec $envseal -q encrypt .env --key-file ../key'" \
  --command-name reencrypt \
  --prepare "sh -c 'cd $tmp/reencrypt && cp -p orig.encrypted .env.encrypted && rm -rf .git/envseal && cp -r orig.ledger .git/envseal'" \
  "sh -c 'cd $tmp/reencrypt && exec $envseal -q encrypt .env --key-file ../key'" \
  --command-name uptodate \
  --prepare true \
  "sh -c 'cd $tmp/uptodate && exec $envseal -q encrypt .env --key-file ../key'"

rss() { # $1: dir, $2: restore command
  (cd "$1" && eval "$2" && /usr/bin/time -f %M -o ../rss "$envseal" -q encrypt .env --key-file ../key)
  cat rss
}
fresh_kb=$(rss fresh 'rm -f .env.encrypted')
up_kb=$(rss uptodate true)
re_kb=$(rss reencrypt 'cp -p orig.encrypted .env.encrypted && rm -rf .git/envseal && cp -r orig.ledger .git/envseal')

# A one-value edit changes that value's line and the MAC line only.
changed=$(diff reencrypt/orig.encrypted reencrypt/.env.encrypted | grep -c '^>' || true)

python3 - "$size" "$fresh_kb" "$re_kb" "$changed" "$up_kb" <<'PY'
import json, sys
size, fresh_kb, re_kb, changed, up_kb = (int(a) for a in sys.argv[1:])
r = {x["command"]: x for x in json.load(open("times.json"))["results"]}
f, e = r["fresh"], r["reencrypt"]
print(f"plaintext: {size / 2**20:.1f} MiB")
cpu = lambda x: (x["user"] + x["system"]) * 1000
print(f"fresh encrypt:  {f['mean'] * 1000:7.1f} ms ± {f['stddev'] * 1000:.1f} wall, {cpu(f):6.1f} ms CPU   peak RSS {fresh_kb / 1024:6.1f} MiB ({fresh_kb * 1024 / size:.2f}x the file)")
print(f"re-encrypt:     {e['mean'] * 1000:7.1f} ms ± {e['stddev'] * 1000:.1f} wall, {cpu(e):6.1f} ms CPU   peak RSS {re_kb / 1024:6.1f} MiB ({re_kb * 1024 / size:.2f}x the file)")
u = r["uptodate"]
print(f"up to date:     {u['mean'] * 1000:7.1f} ms ± {u['stddev'] * 1000:.1f} wall, {cpu(u):6.1f} ms CPU   peak RSS {up_kb / 1024:6.1f} MiB ({up_kb * 1024 / size:.2f}x the file)")
print(f"re-encrypt / fresh: {e['mean'] / f['mean']:.2f}x wall, {cpu(e) / cpu(f):.2f}x CPU (budget 1.5x); RSS {re_kb * 1024 / size:.2f}x the file (budget 3x)")
print(f"lines changed by the one-value re-encrypt: {changed} (expected 2: the value's and the MAC's)")
PY
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
