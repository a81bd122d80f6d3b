#!/usr/bin/env bash
# One shard of a fundcast run, as a task of a Slurm job array (or by hand, with the array
# variables set): shard SLURM_ARRAY_TASK_ID of SLURM_ARRAY_TASK_COUNT.
# Usage: shard.sh SCENARIO PATHS SEED PARTS_DIR (SEED "" for the scenario's seed)
#SBATCH --job-name=fundcast-shard
set -euo pipefail
scenario=$1 paths=$2 seed=$3 parts=$4
: "${SLURM_ARRAY_TASK_ID:?not an array task: set SLURM_ARRAY_TASK_ID}"
: "${SLURM_ARRAY_TASK_COUNT:?not an array task: set SLURM_ARRAY_TASK_COUNT}"
k=$SLURM_ARRAY_TASK_ID
n=$SLURM_ARRAY_TASK_COUNT
mkdir -p "$parts"
seed_args=()
[ -n "$seed" ] && seed_args=(--seed "$seed")
exec "${FUNDCAST:-fundcast}" run "$scenario" --paths "$paths" "${seed_args[@]}" \
  --shard "$k/$n" --threads "${SLURM_CPUS_PER_TASK:-1}" --quiet --out "$parts/part-$k"
