#!/usr/bin/env bash
# Benchmarks of the rotation runbook. Figures to read, not pass/fail:
#   1. `envseal rotate` over 1,000 v1 files of 50 keys each (100 directories x 10
#      environments), with --no-backup and with backups;      target < 2 s
#   2. `envseal status` against a ledger of 100,000 rotations + 100,000 events, next to
#      the same project with a fresh ledger;                     target < 20 ms
# Uses hyperfine when installed (apt-get install -y hyperfine), else `date +%s%N` deltas.
# With --strace, also prints `strace -c -w -f` of one rotation (wall time per syscall).
#
#   scripts/bench-rotate.sh [--strace] [--files N] [--rows N] [--runs N]
#
# Everything happens in a temp dir (removed at exit) with its own HOME and keyring; the
# ledger is filled on /dev/shm when it exists (fsync is free there), then moved into place.
# Machine noise matters: on a shared machine, run it twice and compare.
set -euo pipefail

files=1000
rows=100000
runs=5
trace=0
while [ $# -gt 0 ]; do
  case "$1" in
    --strace) trace=1 ;;
    --files) files=$2; shift ;;
    --rows) rows=$2; shift ;;
    --runs) runs=$2; shift ;;
    *) echo "usage: $0 [--strace] [--files N] [--rows N] [--runs N]" >&2; exit 2 ;;
  esac
  shift
done

cd "$(dirname "$0")/.."
cargo build --release --quiet --bin envseal --example fill_ledger
# ENVSEAL_BENCH_BIN: benchmark another build (e.g. an older commit's) with the same setup.
bin=${ENVSEAL_BENCH_BIN:-$PWD/target/release/envseal}
fill=$PWD/target/release/examples/fill_ledger

work=$(mktemp -d "${TMPDIR:-/tmp}/envseal-bench.XXXXXX")
shm=/dev/shm/envseal-bench-$$.db
trap 'rm -rf "$work" "$shm" "$shm-wal" "$shm-shm"' EXIT
for v in $(env | sed -n 's/^\(SECRETS_MASTER_KEY[A-Z0-9_]*\)=.*/\1/p'); do unset "$v"; done
unset ENVSEAL_LEDGER XDG_CONFIG_HOME
export HOME=$work/home ENVSEAL_KEYRING=$work/home/keys NO_COLOR=1
mkdir -p "$HOME"

have_hyperfine=0
command -v hyperfine >/dev/null && have_hyperfine=1

# time_it NAME RUNS PREPARE COMMAND: mean and min wall time (ms) without hyperfine.
time_it() {
  local name=$1 n=$2 prepare=$3 cmd=$4 total=0 min= t0 t1 d
  for _ in $(seq "$n"); do
    eval "$prepare"
    t0=$(date +%s%N); eval "$cmd" >/dev/null 2>&1; t1=$(date +%s%N)
    d=$(( (t1 - t0) / 1000 ))
    total=$(( total + d ))
    if [ -z "$min" ] || [ "$d" -lt "$min" ]; then min=$d; fi
  done
  awk -v name="$name" -v total="$total" -v min="$min" -v n="$n" \
    'BEGIN { printf "%-40s mean %8.1f ms   min %8.1f ms   (%d runs)\n", name, total / n / 1000, min / 1000, n }'
}

echo "== envseal $("$bin" --version | cut -d' ' -f2), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

# --- 1. rotate over $files files ----------------------------------------------------
proj=$work/rotate
mkdir -p "$proj"
cd "$proj"
key_id=$("$bin" generate-key -q)
key_file=$ENVSEAL_KEYRING/${key_id#sha256:}.key
dirs=$(( (files + 9) / 10 ))
echo "== creating $files files of 50 keys in $dirs directories"
awk -v files="$files" 'BEGIN {
  srand(42)
  for (i = 0; i < files; i++) {
    dir = sprintf("svc%03d", int(i / 10)); system("mkdir -p " dir)
    f = sprintf("%s/.env.e%d", dir, i % 10)
    for (k = 0; k < 50; k++) {
      v = ""; for (c = 0; c < 40; c++) v = v substr("abcdefghijklmnopqrstuvwxyz0123456789", int(rand() * 36) + 1, 1)
      printf "SERVICE_%d_SECRET_%d=%s\n", i, k, v > f
    }
    close(f)
  }
}'
# Encrypt before `git init`: outside a work tree encrypt does not touch .gitignore files.
find . -name '.env.e*' ! -name '*.encrypted' -print0 \
  | xargs -0 -n 50 -P 2 sh -c 'for f; do "$0" encrypt -q --key-file "$1" "$f"; done' "$bin" "$key_file"
find . -name '.env.e*' ! -name '*.encrypted' -delete
rm -rf .envseal
git init -q .
echo "   $(find . -name '*.encrypted' | wc -l) encrypted files, $(du -sh --exclude=.git . | cut -f1)"

clean_backups="find $proj -name '*.backup_*' -delete"
echo "== rotate $files files"
if [ "$have_hyperfine" = 1 ]; then
  hyperfine --style basic --warmup 1 --runs "$runs" --prepare "$clean_backups" \
    -n "rotate --no-backup" "$bin rotate -q --force --no-backup --reason bench" \
    -n "rotate (with backups)" "$bin rotate -q --force --reason bench"
else
  time_it "rotate --no-backup" "$runs" "$clean_backups" "$bin rotate -q --force --no-backup --reason bench"
  time_it "rotate (with backups)" "$runs" "$clean_backups" "$bin rotate -q --force --reason bench"
fi
if [ "$trace" = 1 ] && command -v strace >/dev/null; then
  echo "== strace -c -w -f of one rotate --force (with backups)"
  eval "$clean_backups"
  strace -c -w -f -o "$work/strace.txt" "$bin" rotate -q --force --reason strace
  head -n 20 "$work/strace.txt"
fi
eval "$clean_backups"
echo "== status on the $files-file project (decrypts every file to check it against its plaintext)"
if [ "$have_hyperfine" = 1 ]; then
  hyperfine --style basic -N --warmup 1 --runs "$runs" "$bin status"
else
  time_it "status ($files files)" "$runs" ":" "$bin status"
fi

# --- 2. status against a big ledger -------------------------------------------------
small() {
  mkdir -p "$1"
  cd "$1"
  git init -q .
  printf 'DATABASE_URL=postgres://app:pw@db/app\nSTRIPE_SECRET_KEY=sk_test_123\nDEBUG=0\n' >.env
  printf 'DATABASE_URL=postgres://app:pw@db-staging/app\n' >.env.staging
  "$bin" encrypt -q .env --key-file "$key_file"
  "$bin" encrypt -q .env.staging --key-file "$key_file"
}
small "$work/status-fresh"
small "$work/status-big"
echo "== filling a ledger with $rows rotations + $rows events"
ledger_dir=$work/status-big/.envseal
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
  "$fill" "$shm" "$rows" "$rows" "$key_id"
  rm -f "$ledger_dir/ledger.db" "$ledger_dir/ledger.db-wal" "$ledger_dir/ledger.db-shm"
  install -m 600 "$shm" "$ledger_dir/ledger.db"
else
  rm -f "$ledger_dir/ledger.db"*
  "$fill" "$ledger_dir/ledger.db" "$rows" "$rows" "$key_id"
fi
echo "   $(du -h "$ledger_dir/ledger.db" | cut -f1) ledger"
echo "== status (2 files; fresh ledger vs $rows + $rows rows)"
for d in status-fresh status-big; do
  cd "$work/$d"
  if [ "$have_hyperfine" = 1 ]; then
    hyperfine --style basic -N --warmup 3 --runs 30 \
      -n "$d: status" "$bin status" \
      -n "$d: status --check" "$bin status --check" \
      -n "$d: status --json" "$bin status --json" \
      -n "$d: status --history" "$bin status --history"
  else
    for a in "" "--check" "--json" "--history"; do
      time_it "$d: status $a" 30 ":" "$bin status $a"
    done
  fi
done
