#!/usr/bin/env bash
# A throw-away one-node Slurm cluster on loopback, for the sweep tests
# (../shared/STACK.md, "Slurm 22.05"): munged, slurmctld and slurmd from
# Debian's packages, everything (config, state, spool, logs, pid files,
# munge socket and key) in one folder, ports chosen free.
#
#   slurm-cluster.sh start DIR   prints SLURM_CONF=DIR/slurm.conf once the node is idle;
#                                exit 3 with the reason when the daemons cannot start
#   slurm-cluster.sh stop DIR    stops the daemons and removes DIR
set -uo pipefail
cmd=${1:?start|stop}
dir=${2:?folder}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

stop() {
  [[ -f $dir/slurm.conf ]] && SLURM_CONF=$dir/slurm.conf timeout 10 scontrol shutdown >/dev/null 2>&1
  for pidfile in "$dir"/slurmd.pid "$dir"/slurmctld.pid; do
    [[ -f $pidfile ]] || continue
    pid=$(cat "$pidfile")
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null
  done
  [[ -S $dir/munge/socket ]] && munged --stop --socket="$dir/munge/socket" >/dev/null 2>&1
  [[ -f $dir/munged.pid ]] && kill -9 "$(cat "$dir/munged.pid")" 2>/dev/null
  rm -rf "$dir"
}

if [[ $cmd == stop ]]; then stop; exit 0; fi

for tool in munged slurmctld slurmd sbatch squeue scontrol sinfo; do
  command -v "$tool" >/dev/null || { echo "no $tool (Debian: slurmctld slurmd slurm-client munge)"; exit 3; }
done
mkdir -p "$dir"/{state,spool,log,munge}
chmod 711 "$dir/munge"
host=$(hostname -s)
cpus=$(nproc)
memory=$(( $(awk '/MemAvailable/ {print $2}' /proc/meminfo) / 1024 / 2 ))
user=$(id -un)
ctld_port=$(free_port)
slurmd_port=$(free_port)
cat > "$dir/slurm.conf" <<CONF
ClusterName=loupetest
# Small on purpose: a 12-point sweep must be split into two arrays, as a
# 10^4-point one is on a cluster with the default (1001).
MaxArraySize=8
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=$user
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge/socket
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SwitchType=switch/none
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
CommunicationParameters=NoInAddrAny,NoCtldInAddrAny
SchedulerParameters=batch_sched_delay=0
MinJobAge=600
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
head -c 1024 /dev/urandom > "$dir/munge/key"
chmod 400 "$dir/munge/key"
if ! munged --socket="$dir/munge/socket" --key-file="$dir/munge/key" --pid-file="$dir/munged.pid" \
     --log-file="$dir/log/munged.log" --seed-file="$dir/munge/seed" --force >/dev/null 2>&1; then
  echo "munged did not start: $(tail -1 "$dir/log/munged.log" 2>/dev/null)"; stop; exit 3
fi
export SLURM_CONF=$dir/slurm.conf
if ! slurmctld -f "$SLURM_CONF" >/dev/null 2>&1; then echo "slurmctld did not start"; stop; exit 3; fi
if ! slurmd -f "$SLURM_CONF" >/dev/null 2>&1; then echo "slurmd did not start"; stop; exit 3; fi
for _ in $(seq 100); do
  state=$(sinfo -h -o %T 2>/dev/null | head -1)
  if [[ $state == idle ]]; then echo "SLURM_CONF=$SLURM_CONF"; exit 0; fi
  sleep 0.1
done
echo "the node did not become idle (state '${state:-none}'): $(tail -2 "$dir/log/slurmctld.log" 2>/dev/null | tr '\n' ' ')"
stop
exit 3
