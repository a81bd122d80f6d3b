#!/usr/bin/env bash
# Merges the parts of a sharded fundcast run into the files of one run.
# Usage: merge.sh PARTS_DIR OUT
#SBATCH --job-name=fundcast-merge
set -euo pipefail
parts=$1 out=$2
shopt -s nullglob
files=("$parts"/part-*)
[ ${#files[@]} -gt 0 ] || { echo "no parts in $parts" >&2; exit 2; }
exec "${FUNDCAST:-fundcast}" merge "${files[@]}" --out "$out"
