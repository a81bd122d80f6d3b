#!/usr/bin/env bash
# Instruction counts of the engine (valgrind's callgrind, `I refs`): a measure of the
# kernel that does not depend on the machine's load, unlike criterion's times
# (benches/projection.rs). Fixed runs, one thread, each with FUNDCAST_ISA pinned to avx2
# and to baseline (valgrind cannot run AVX-512), compared with the record
# scripts/instructions.baseline: fails if a count is more than TOLERANCE per cent (3)
# above its record; says so, without failing, if one is more than that below (record the
# gain). See docs/performance.md.
#
# Usage: scripts/instructions.sh [--record] [BINARY]
#   BINARY   default target/release/fundcast, built by `cargo build --release` first (the
#            binary `cargo test --release` leaves there is another layout of the code)
#   --record write the counts to scripts/instructions.baseline instead of comparing
set -euo pipefail
cd "$(dirname "$0")/.."
record=false
if [ "${1:-}" = --record ]; then
  record=true
  shift
fi
if [ -n "${1:-}" ]; then
  bin=$1
else
  cargo build --release --quiet
  bin=target/release/fundcast
fi
command -v valgrind > /dev/null || { echo "valgrind is not installed" >&2; exit 2; }
baseline=scripts/instructions.baseline
tolerance=${TOLERANCE:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# case name, then the arguments of `fundcast run`
cases=(
  "basic-2000|scenarios/bench-2050-basic.toml --paths 2000"
  "full-2000|scenarios/bench-2050.toml --paths 2000"
  "full-200|scenarios/bench-2050.toml --paths 200"
  "ganzhou-deterministic|scenarios/ganzhou-2006-2010.toml --paths 0"
)

counts=$tmp/counts
for isa in avx2 baseline; do
  for c in "${cases[@]}"; do
    name=${c%%|*}
    # shellcheck disable=SC2086 # the arguments are words
    FUNDCAST_ISA=$isa valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.out" \
      "$bin" run ${c#*|} --threads 1 --seed 1 --quiet --no-report --out "$tmp/out" \
      > /dev/null 2> "$tmp/err" || { cat "$tmp/err" >&2; exit 2; }
    ir=$(sed -n 's/.*I *refs: *//p' "$tmp/err" | tr -d ,)
    [ -n "$ir" ] || { cat "$tmp/err" >&2; exit 2; }
    printf '%s/%s %s\n' "$name" "$isa" "$ir" >> "$counts"
    rm -rf "$tmp/out"
  done
done

if $record; then
  { echo "# scripts/instructions.sh --record: case/isa, instructions (callgrind I refs)"
    cat "$counts"; } > "$baseline"
  cat "$counts"
  exit 0
fi

[ -f "$baseline" ] || { echo "no $baseline: run scripts/instructions.sh --record" >&2; exit 2; }
awk -v tol="$tolerance" '
  NR == FNR { if ($1 !~ /^#/) want[$1] = $2; next }
  {
    if (!($1 in want)) { printf "%-32s %14d  (no record)\n", $1, $2; next }
    d = 100 * ($2 - want[$1]) / want[$1]
    note = ""
    if (d > tol) { note = "  ABOVE the record by more than " tol " %"; bad = 1 }
    else if (d < -tol) { note = "  below the record: record it (--record)" }
    printf "%-32s %14d  record %14d  %+6.2f %%%s\n", $1, $2, want[$1], d, note
  }
  END { exit bad }
' "$baseline" "$counts"
