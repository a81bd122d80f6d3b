#!/usr/bin/env bash
# The Slurm scripts of contrib/slurm on a real Slurm: a one-node cluster on this machine
# (munge, slurmctld and slurmd from Debian's slurm-wlm, a config written here), an array
# of 4 shards and the dependent merge job, the merged bytes checked against a single run.
# Then the same scripts with the array variables set by hand (what a machine without
# Slurm can run). Prints one line per check and "slurm: N passed, M failed".
# Usage: tests/slurm.sh [BINARY]   (run from anywhere; needs root for the daemons)
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$(realpath "${1:-$root/target/release/fundcast}")
export FUNDCAST=$bin
scenario=$root/scenarios/ganzhou-2050.toml
paths=3000 seed=21 shards=4
work=$(mktemp -d)
passed=0 failed=0
pass() { echo "ok: $*"; passed=$((passed + 1)); }
fail() { echo "FAILED: $*"; failed=$((failed + 1)); }
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

same() { # same DIR_A DIR_B WHAT
  local f ok=1
  for f in deterministic.csv summary.csv depletion.csv; do
    cmp -s "$1/$f" "$2/$f" || { ok=0; echo "  $f differs"; }
  done
  strip() { grep -Ev '"(threads|elapsed_seconds|path_years_per_second)"' "$1/run.json"; }
  diff <(strip "$1") <(strip "$2") > /dev/null || { ok=0; echo "  run.json differs"; }
  if [ $ok = 1 ]; then pass "$3"; else fail "$3"; fi
}

"$bin" run "$scenario" --paths $paths --seed $seed --quiet --out "$work/single" > /dev/null

# 1. By hand: the array variables set as Slurm sets them.
for k in $(seq 0 $((shards - 1))); do
  SLURM_ARRAY_TASK_ID=$k SLURM_ARRAY_TASK_COUNT=$shards \
    "$root/contrib/slurm/shard.sh" "$scenario" $paths $seed "$work/hand/parts" > /dev/null
done
"$root/contrib/slurm/merge.sh" "$work/hand/parts" "$work/hand" > /dev/null
same "$work/single" "$work/hand" "the scripts with the array variables set by hand"

# 2. A real Slurm.
if ! command -v slurmctld > /dev/null || ! command -v munged > /dev/null; then
  fail "Slurm is not installed (slurmctld, munged): apt-get install slurm-wlm munge"
  echo "slurm: $passed passed, $failed failed"
  exit 1
fi
host=$(hostname -s)
etc=$work/etc
mkdir -p "$etc" "$work/spool/ctld" "$work/spool/d" "$work/log" "$work/munge"
cat > "$etc/slurm.conf" <<CONF
ClusterName=fundcast-test
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CryptoType=crypto/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
ReturnToService=2
SlurmctldPort=16817
SlurmdPort=16818
StateSaveLocation=$work/spool/ctld
SlurmdSpoolDir=$work/spool/d
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.log
NodeName=$host CPUs=$(nproc) State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$etc/slurm.conf
# munge: its own socket, so that a munged already running is left alone.
socket=$work/munge/munge.socket
key=/etc/munge/munge.key
[ -r "$key" ] || { mkdir -p /etc/munge; dd if=/dev/urandom of="$key" bs=1 count=1024 2> /dev/null; chmod 400 "$key"; }
munged --force --socket="$socket" --key-file="$key" --pid-file="$work/munge/munged.pid" \
  --log-file="$work/log/munged.log" --seed-file="$work/munge/seed" 2> "$work/log/munged.err" \
  || { fail "munged does not start: $(cat "$work/log/munged.err")"; echo "slurm: $passed passed, $failed failed"; exit 1; }
pids+=("$(cat "$work/munge/munged.pid")")
echo "AuthInfo=socket=$socket" >> "$etc/slurm.conf"
slurmctld -D -f "$etc/slurm.conf" > "$work/log/ctld.out" 2>&1 & pids+=($!)
slurmd -D -f "$etc/slurm.conf" > "$work/log/d.out" 2>&1 & pids+=($!)
up=0
for _ in $(seq 1 60); do
  if sinfo -h -o '%T' 2> /dev/null | grep -qE '^(idle|mixed|allocated)'; then up=1; break; fi
  sleep 1
done
if [ $up = 0 ]; then
  fail "the one-node Slurm cluster does not come up (sinfo: $(sinfo -h 2>&1 | head -1))"
  tail -5 "$work/log/slurmctld.log" "$work/log/slurmd.log" 2> /dev/null
  echo "slurm: $passed passed, $failed failed"
  exit 1
fi
pass "a one-node Slurm cluster is up ($(sinfo -h -o '%P %D %T'))"
out=$work/slurm
ids=$(cd "$work" && "$root/contrib/slurm/submit.sh" "$scenario" $paths $shards "$out" $seed) \
  || { fail "submit.sh: $ids"; echo "slurm: $passed passed, $failed failed"; exit 1; }
echo "  $ids"
merge_job=${ids##* }
done_=0
for _ in $(seq 1 180); do
  state=$(scontrol show job "$merge_job" 2> /dev/null | grep -o 'JobState=[A-Z_]*' | cut -d= -f2)
  case "$state" in
    COMPLETED) done_=1; break ;;
    FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY) break ;;
  esac
  sleep 1
done
if [ $done_ = 1 ]; then
  pass "the array of $shards shards and the dependent merge job completed"
  n=$(ls "$out/parts" | grep -c '^part-')
  [ "$n" = $shards ] && pass "$n parts written by the array" || fail "$n parts, not $shards"
  same "$work/single" "$out" "the Slurm run's merged files are the single run's bytes"
else
  fail "the merge job ended in state '${state:-unknown}'"
  cat "$out"/parts/*.log "$out/merge.log" 2> /dev/null | tail -20
fi
echo "slurm: $passed passed, $failed failed"
[ $failed = 0 ]
