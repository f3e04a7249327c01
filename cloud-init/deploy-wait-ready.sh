#!/bin/sh
# Readiness gate, run by Terraform on the deploying machine: waits until the VM answers on SSH,
# cloud-init has finished (exit 2 = "done with recoverable errors" is accepted) and Docker answers.
set -eu

attempt=0
until {{SSH}} true 2>/dev/null; do
  attempt=$((attempt + 1))
  if [ "$attempt" -ge {{SSH_ATTEMPTS}} ]; then
    echo "dockhost: $DOCKHOST_TARGET did not answer on SSH after {{SSH_ATTEMPTS}} attempts" >&2
    exit 1
  fi
  sleep 5
done

{{SSH}} 'cloud-init status --wait >/dev/null || [ $? -eq 2 ]'
{{SSH}} 'sudo docker info >/dev/null'
echo "dockhost: Docker is ready on $DOCKHOST_TARGET"
