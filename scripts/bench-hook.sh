#!/usr/bin/env bash
# The pre-commit hook at scale: `envseal hook run` against `envseal mask --check --staged`
# (the same staged blobs, leak check only) and `hook run --no-leak-check`, at 9,000 and
# 40,000 staged files (the hook must be linear: within 1.5x of mask --check --staged),
# then the peak RSS of the hook with one 50 MB staged binary (streamed: envseal's own
# peak, and with the git processes it waits for).
#
# Builds --release (or uses $ENVSEAL_BIN), works in a temp dir it removes. Uses hyperfine when installed, else a
# loop timer (best of N). Usage: scripts/bench-hook.sh [--quick]   (--quick: 3 runs)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=5
[ "${1:-}" = "--quick" ] && runs=3
have() { command -v "$1" >/dev/null 2>&1; }

# ENVSEAL_BIN=path skips the release build (e.g. a debug build, for a quick ratio).
envseal=${ENVSEAL_BIN:-}
if [ -z "$envseal" ]; then
  echo "bench-hook: building --release" >&2
  cargo build --release --quiet --manifest-path "$root/Cargo.toml" --bin envseal
  envseal="$root/target/release/envseal"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/envseal-hook-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export XDG_CONFIG_HOME="$tmp/config" ENVSEAL_KEYRING="$tmp/keyring" GIT_CONFIG_NOSYSTEM=1 \
  GIT_CONFIG_GLOBAL=/dev/null
unset SECRETS_MASTER_KEY
"$envseal" -q generate-key >/dev/null

# A repository with a 50-key .env (encrypted, committed) and N staged small files.
make_repo() { # dir n
  local dir=$1 n=$2
  git init -q "$dir"
  (
    cd "$dir"
    git config user.name bench && git config user.email bench@example.invalid
    python3 "$root/scripts/gen-env.py" 50 >.env
    "$envseal" -q encrypt
    git add .gitignore .env.encrypted && git commit -q --no-verify -m init
    python3 - "$n" <<'PY'
import os, sys
n = int(sys.argv[1])
for d in range(n // 1000 + 1):
    os.makedirs(f"src/d{d:03}", exist_ok=True)
for i in range(n):
    with open(f"src/d{i // 1000:03}/file_{i:05}.py", "w") as f:
        f.write(f"# file {i}\nVALUE = os.environ['SETTING_{i % 50}']\nprint('nothing secret here')\n")
PY
    git add src
  )
}

time_best() { # label command...
  local label=$1
  shift
  if have hyperfine; then
    hyperfine -N --warmup 1 --runs "$runs" --style none --export-json "$tmp/h.json" "$*" >/dev/null
    python3 - "$label" "$tmp/h.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[2]))["results"][0]
print(f"{sys.argv[1]:<44} {r['mean']*1e3:8.1f} ms ± {r['stddev']*1e3:5.1f} (min {r['min']*1e3:.1f})")
PY
  else
    python3 - "$label" "$runs" "$@" <<'PY'
import subprocess, sys, time
label, runs, cmd = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
ts = []
for _ in range(runs):
    t = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ts.append(time.perf_counter() - t)
ts.sort()
print(f"{label:<44} best {ts[0]*1e3:8.1f} ms, median {ts[len(ts)//2]*1e3:8.1f} ms")
PY
  fi
}

for n in 9000 40000; do
  make_repo "$tmp/r$n" "$n"
  cd "$tmp/r$n"
  echo "== $n staged files (+ a 50-key .env.encrypted)"
  time_best "mask --check --staged" "$envseal" mask --check --staged
  time_best "hook run" "$envseal" hook run
  time_best "hook run --no-leak-check" "$envseal" hook run --no-leak-check
done

echo "== one 50 MB staged binary: peak RSS (blobs over 1 MiB are streamed)"
make_repo "$tmp/big" 0
cd "$tmp/big"
head -c 50000000 /dev/urandom >blob.bin
git add blob.bin
# envseal's own peak: VmHWM polled from /proc until it exits (the high-water mark only
# grows). /usr/bin/time's figure also counts the children envseal waits for: git
# cat-file maps the whole loose object (file-backed pages, ~50 MB), whatever envseal does.
own_peak() {
  python3 - "$@" <<'PY'
import subprocess, sys, time
p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
peak = 0
while p.poll() is None:
    try:
        for line in open(f"/proc/{p.pid}/status"):
            if line.startswith("VmHWM:"):
                peak = max(peak, int(line.split()[1]))
    except OSError:
        pass
    time.sleep(0.001)
print(peak)
PY
}
for args in "hook run" "hook run --no-leak-check" "mask --check --staged"; do
  # shellcheck disable=SC2086
  kib=$(own_peak "$envseal" $args)
  if [ -x /usr/bin/time ]; then
    # shellcheck disable=SC2086
    /usr/bin/time -f "%M" -o "$tmp/rss" "$envseal" $args >/dev/null 2>&1 || true
    with_git=$(cat "$tmp/rss")
  else
    with_git=0
  fi
  printf '%-30s envseal %6.1f MB peak RSS (with git cat-file: %6.1f MB)\n' "$args" \
    "$(python3 -c "print($kib/1024)")" "$(python3 -c "print($with_git/1024)")"
done
git rm -q --cached blob.bin
printf '%-30s envseal %6.1f MB peak RSS\n' "baseline, no blob: hook run" \
  "$(python3 -c "print($(own_peak "$envseal" hook run)/1024)")"
