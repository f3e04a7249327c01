#!/bin/sh
# Readiness gate, run by Terraform on the deploying machine: waits until the VM answers on SSH,
# cloud-init has finished (exit 2 = "done with recoverable errors" is accepted) and Docker answers.
# Every attempt prints the address, the time so far and the last error; after
# DOCKHOST_READY_TIMEOUT seconds in all (default: DockerHost's readinessTimeoutSeconds) it fails.
set -eu

limit=${DOCKHOST_READY_TIMEOUT:-{{TIMEOUT_SECONDS}}}
case $limit in
  '' | *[!0-9]*)
    echo "dockhost: DOCKHOST_READY_TIMEOUT=$limit is not a whole number of seconds" >&2
    exit 1
    ;;
esac
start=$(date +%s)
attempt=0

# wait_for WHAT REMOTE-COMMAND: runs the command on the VM until it succeeds, 5 s between attempts.
wait_for() {
  while :; do
    attempt=$((attempt + 1))
    if last=$({{SSH}} "$2" 2>&1); then
      echo "dockhost: $DOCKHOST_TARGET: $1 (attempt $attempt, $(($(date +%s) - start))s)"
      return 0
    fi
    elapsed=$(($(date +%s) - start))
    last=$(printf '%s\n' "$last" | tr -d '\r' | tail -n 1)
    echo "dockhost: $DOCKHOST_TARGET: waiting for $1: attempt $attempt, ${elapsed}s of ${limit}s: ${last:-not yet}"
    if [ "$elapsed" -ge "$limit" ]; then
      echo "dockhost: $DOCKHOST_TARGET: gave up waiting for $1 after ${elapsed}s (DOCKHOST_READY_TIMEOUT=$limit); last error: ${last:-none}" >&2
      exit 1
    fi
    sleep 5
  done
}

wait_for "SSH" true
# Bounded on the VM too, so a slow first boot still prints an attempt every half minute.
wait_for "cloud-init done" 'timeout 30 cloud-init status --wait >/dev/null || [ $? -eq 2 ]'
wait_for "Docker" 'sudo docker info >/dev/null'
echo "dockhost: Docker is ready on $DOCKHOST_TARGET"
