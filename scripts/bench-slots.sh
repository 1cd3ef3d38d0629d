#!/usr/bin/env bash
# Decrypt of the 50-key file through an age slot vs through the master key, in ONE
# hyperfine run with `envseal --version` (the start-up floor): issue 12's budget is the
# two decrypts within 1 ms of each other.
#
# Builds --release once, generates the 50-key .env (scripts/gen-env.py), encrypts it under
# a master key (`envseal encrypt`) and, for the same plaintext, seals a file with one age
# slot only (the `bench_slots_fixture` helper of the test suite, through the library's
# `v1::seal`, so this runs on builds without `encrypt --age` too), with an identity made
# by `age-keygen`. The age decrypt reads the identity with `--identity` and needs no
# master key. Prints hyperfine's table and the difference to `--version`.
#
# Also the start-up cost of the `aws-kms` feature (issue 12: KMS support must not slow a
# command that does not use it): a second release build with `--no-default-features`
# (in target/nokms, so the default build is kept) is timed in the same hyperfine run,
# `--version` and the master-key decrypt side by side with the default build's.
#
# Usage: scripts/bench-slots.sh [--quick]
# Needs: cargo, python3, hyperfine, age-keygen (Debian packages hyperfine, age).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=(--warmup 5 --min-runs 40)
[ "${1:-}" = "--quick" ] && runs=(--warmup 1 --runs 5)
for tool in hyperfine age-keygen python3; do
  command -v "$tool" >/dev/null || { echo "bench-slots: $tool is missing" >&2; exit 1; }
done

echo "bench-slots: building --release" >&2
cargo build --release --quiet --manifest-path "$root/Cargo.toml" --bin envseal
envseal="$root/target/release/envseal"
echo "bench-slots: building --release --no-default-features (target/nokms)" >&2
cargo build --release --quiet --manifest-path "$root/Cargo.toml" --bin envseal \
  --no-default-features --target-dir "$root/target/nokms"
nokms="$root/target/nokms/release/envseal"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/envseal-bench-slots.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# cargo (for the fixture below) still finds its toolchain once HOME is the temp dir's.
export RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}" CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
export XDG_CONFIG_HOME="$tmp/config" ENVSEAL_KEYRING="$tmp/keyring" HOME="$tmp/home"
unset SECRETS_MASTER_KEY ENVSEAL_AGE_KEY ENVSEAL_AGE_KEY_FILE
mkdir -p "$HOME"
python3 "$root/scripts/gen-env.py" 50 >"$tmp/small.env"
"$envseal" -q generate-key --out "$tmp/key" --force >/dev/null
"$envseal" -q encrypt "$tmp/small.env" --key-file "$tmp/key" -o "$tmp/small.master.v1" --force
age-keygen -o "$tmp/me.txt" 2>/dev/null
echo "bench-slots: sealing the age-slot fixture (debug test binary)" >&2
ENVSEAL_BENCH_DIR="$tmp" cargo test --quiet --manifest-path "$root/Cargo.toml" \
  --test cli bench_slots_fixture -- --ignored >/dev/null
# Both decrypt to the same plaintext, or the comparison means nothing.
cmp <("$envseal" decrypt --stdout --key-file "$tmp/key" "$tmp/small.master.v1") "$tmp/small.env"
cmp <("$envseal" decrypt --stdout --identity "$tmp/me.txt" "$tmp/small.age.v1") "$tmp/small.env"
cmp <("$nokms" decrypt --stdout --key-file "$tmp/key" "$tmp/small.master.v1") "$tmp/small.env"

cd "$tmp"
hyperfine -N "${runs[@]}" --export-json "$tmp/out.json" \
  -n "envseal --version" "$envseal --version" \
  -n "decrypt 50 keys, master slot" "$envseal decrypt --stdout --key-file key small.master.v1" \
  -n "decrypt 50 keys, age slot" "$envseal decrypt --stdout --identity me.txt small.age.v1" \
  -n "no aws-kms: --version" "$nokms --version" \
  -n "no aws-kms: decrypt 50 keys, master" "$nokms decrypt --stdout --key-file key small.master.v1" \
  >&2
python3 - "$tmp/out.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
v = r["envseal --version"]["mean"] * 1e3
print(f"{'command':38} {'mean ms':>8} {'± σ':>6} {'median':>7} {'cpu ms':>7} {'vs --version':>13}")
for name, x in r.items():
    m, s = x["mean"] * 1e3, x["stddev"] * 1e3
    c = (x["user"] + x["system"]) * 1e3
    print(f"{name:38} {m:8.2f} {s:6.2f} {x['median'] * 1e3:7.2f} {c:7.2f} {m - v:+12.2f}")
d = (r["decrypt 50 keys, age slot"]["mean"] - r["decrypt 50 keys, master slot"]["mean"]) * 1e3
print(f"age slot - master slot: {d:+.2f} ms (budget: within 1 ms)")
def cpu(name):
    x = r[name]
    return (x["user"] + x["system"]) * 1e3
for what, with_kms, without in [
    ("--version", "envseal --version", "no aws-kms: --version"),
    ("decrypt 50 keys, master", "decrypt 50 keys, master slot", "no aws-kms: decrypt 50 keys, master"),
]:
    d = (r[with_kms]["mean"] - r[without]["mean"]) * 1e3
    c = cpu(with_kms) - cpu(without)
    print(f"aws-kms feature cost, {what}: {d:+.2f} ms wall, {c:+.2f} ms CPU (default build - no-default-features build)")
PY
