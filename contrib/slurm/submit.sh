#!/usr/bin/env bash
# Submits a fundcast run as a Slurm job array of SHARDS shards and a merge job that runs
# once every shard has succeeded; prints the two job ids.
# Usage: submit.sh SCENARIO PATHS SHARDS OUT [SEED] (default: the scenario's seed)
# The results go to OUT (the parts to OUT/parts). FUNDCAST names the binary (default:
# fundcast on the PATH); extra sbatch options come from the SBATCH_* environment.
set -euo pipefail
if [ $# -lt 4 ]; then
  echo "usage: $0 SCENARIO PATHS SHARDS OUT [SEED]" >&2
  exit 2
fi
scenario=$1 paths=$2 shards=$3 out=$4 seed=${5:-}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out/parts"
array=$(sbatch --parsable --array=0-$((shards - 1)) --output="$out/parts/shard-%a.log" \
  --export=ALL "$here/shard.sh" "$scenario" "$paths" "$seed" "$out/parts")
array=${array%%;*}
merge=$(sbatch --parsable --dependency=afterok:"$array" --output="$out/merge.log" \
  --export=ALL "$here/merge.sh" "$out/parts" "$out")
echo "shards: job $array; merge: job ${merge%%;*}"
