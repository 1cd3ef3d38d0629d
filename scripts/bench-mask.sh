#!/usr/bin/env bash
# End-to-end throughput of the streaming secret filter against the pipe floor and ripgrep.
#
#   scripts/bench-mask.sh [SIZE_MB]     (default 1024)
#
# Generates, in a temp dir (removed at exit): big.log (~SIZE_MB of log-like lines, one in
# 200 carrying a secret) and secrets files of 50 and 1,000 random 16..64-byte secrets, plus
# 1,000 "short" 8..40-byte ones, and a 100,000-key .env from scripts/gen-env.py (URLs with
# passwords, tokens, quoted values sharing a prefix, multi-line PEM-like values: the
# issue 11 budget is >= 1 GB/s with peak memory within 4x that file). Secret-carrying log
# lines pick a set uniformly, then a value of it. Then times, each through a pipe from cat:
#   cat | cat (the floor), rg -F -f SECRETS --passthru -r '***' (if installed), and
#   envseal mask --secrets SECRETS.env (the same secrets as a dotenv file).
# Prints wall seconds, GB/s (wall), the filter's user+sys CPU seconds and peak RSS.
# The machine is shared: run it twice and read the better figures with care.
set -euo pipefail

size_mb=${1:-1024}
root=$(cd "$(dirname "$0")/.." && pwd)
# BENCH_MASK_KEEP=DIR: generate into DIR and keep it (for perf or a second look).
if [ -n "${BENCH_MASK_KEEP:-}" ]; then
    tmp=$BENCH_MASK_KEEP
    mkdir -p "$tmp"
else
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-mask.XXXXXX")
    trap 'rm -rf "$tmp"' EXIT
fi

command -v /usr/bin/time > /dev/null || { echo "needs /usr/bin/time (apt-get install -y time)" >&2; exit 1; }
cargo build --quiet --release --manifest-path "$root/Cargo.toml"
envseal="$root/target/release/envseal"

python3 "$root/scripts/gen-env.py" 100000 > "$tmp/secrets-100k.env"
python3 - "$tmp" "$size_mb" <<'PY'
import random, re, sys
tmp, size_mb = sys.argv[1], int(sys.argv[2])
rng = random.Random(42)
alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
def secrets(n, lo, hi):
    return ["".join(rng.choice(alnum) for _ in range(rng.randint(lo, hi))) for _ in range(n)]
sets = {"50": secrets(50, 16, 64), "1000": secrets(1000, 16, 64), "1000short": secrets(1000, 8, 40)}
for name, s in sets.items():
    with open(f"{tmp}/secrets-{name}.txt", "w") as f:
        f.write("\n".join(s) + "\n")
    with open(f"{tmp}/secrets-{name}.env", "w") as f:
        f.write("".join(f"SECRET_{i}={v}\n" for i, v in enumerate(s)))
# The 100,000-key file's one-line values as a log would print them (quotes removed).
big = []
for line in open(f"{tmp}/secrets-100k.env"):
    m = re.match(r"(?:export )?[A-Z0-9_]+=(.*)$", line.rstrip("\n"))
    if m and not m.group(1).startswith('"'):
        big.append(m.group(1).strip("'"))
groups = list(sets.values()) + [big]
words = ("request user alice bob orders payment connect database retry timeout cache miss "
         "hit token session created GET POST /api/v1/orders /healthz status=200 status=500 "
         "worker").split()
levels = ["INFO ", "DEBUG", "WARN ", "ERROR"]
lines = []
size = 0
while size < 32 << 20:  # a 32 MiB block of distinct lines, repeated
    line = "2026-05-%02dT%02d:%02d:%02d.%03dZ %s req=%016x %s" % (
        rng.randint(1, 28), rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59),
        rng.randint(0, 999), rng.choice(levels), rng.getrandbits(64),
        " ".join(rng.choice(words) for _ in range(rng.randint(4, 11))))
    if rng.randrange(200) == 0:
        line += " key=" + rng.choice(rng.choice(groups))
    line += " duration_ms=%d\n" % rng.randrange(5000)
    lines.append(line)
    size += len(line)
block = "".join(lines).encode()
with open(f"{tmp}/big.log", "wb") as f:
    written = 0
    while written < size_mb << 20:
        f.write(block)
        written += len(block)
PY

bytes=$(stat -c %s "$tmp/big.log")
printf 'input: %s bytes; cores: %s; load: %s\n' "$bytes" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
cat "$tmp/big.log" > /dev/null  # warm the page cache

measure() { # label, command...
    local label=$1; shift
    local start end
    start=$(date +%s.%N)
    /usr/bin/time -f '%U %S %M' -o "$tmp/time" bash -c "cat '$tmp/big.log' | $* > /dev/null"
    end=$(date +%s.%N)
    read -r user sys rss < "$tmp/time"
    python3 -c "import sys; w=float(sys.argv[2])-float(sys.argv[1]); print('%-34s %6.2fs  %5.2f GB/s' % (sys.argv[3], w, int(sys.argv[4])/w/1e9))" \
        "$start" "$end" "$label" "$bytes"
    last_rss=$rss
}

measure "cat | cat (pipe floor)" cat
for set in 50 1000 1000short 100k; do
    secrets="$tmp/secrets-$set.txt"
    # rg -F with 100,000 patterns is left out (minutes of automaton building).
    if [ "$set" != 100k ] && command -v rg > /dev/null; then
        measure "rg -F --passthru ($set secrets)" rg -F -f "'$secrets'" --passthru -r "'***'"
    fi
    measure "envseal mask ($set secrets)" "'$envseal' mask --secrets '${secrets%.txt}.env'"
    # Peak RSS and CPU of the filter alone, reading the file directly.
    /usr/bin/time -f '%U %S %M' -o "$tmp/time" "$envseal" mask --secrets "${secrets%.txt}.env" < "$tmp/big.log" > /dev/null
    read -r user sys rss < "$tmp/time"
    # Start-up alone (loading and indexing the secrets) on an empty input.
    /usr/bin/time -f '%e %U %S %M' -o "$tmp/time0" "$envseal" mask --secrets "${secrets%.txt}.env" < /dev/null > /dev/null
    read -r wall0 user0 sys0 rss0 < "$tmp/time0"
    printf '  start-up on empty input: %ss wall, peak RSS %d KiB; secrets file %d bytes\n' "$wall0" "$rss0" "$(stat -c %s "${secrets%.txt}.env")"
    python3 -c "import sys; c=float(sys.argv[1])+float(sys.argv[2]); print('  filter alone from a file: cpu %.2fs = %.2f GB/s per core, peak RSS %d KiB' % (c, int(sys.argv[3])/c/1e9, int(sys.argv[4])))" \
        "$user" "$sys" "$bytes" "$rss"
    # The scan alone: the run's CPU less the start-up's (loading and indexing the secrets).
    python3 -c "import sys; c=float(sys.argv[1])+float(sys.argv[2])-float(sys.argv[3])-float(sys.argv[4]); print('  scan alone (run cpu - start-up cpu): %.2fs = %.2f GB/s per core' % (c, int(sys.argv[5])/max(c, 0.01)/1e9))" \
        "$user" "$sys" "$user0" "$sys0" "$bytes"
done
