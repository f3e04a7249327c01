#!/bin/sh
# Readiness gate of the Swarm (SwarmCluster), run by Terraform on the deploying machine after the
# joins: waits until `docker node ls` on the first manager shows every VM's hostname Ready and
# at least DOCKHOST_MANAGERS managers, so the apps stack applies to a whole Swarm.
#
# Environment: DOCKHOST_MANAGER (admin@address), DOCKHOST_NODES (space-separated VM names),
# DOCKHOST_MANAGERS (how many managers).
set -eu

tries=0
while :; do
  nodes=$({{SSH}} "$DOCKHOST_MANAGER" "sudo docker node ls --format '{{.Hostname}} {{.Status}} {{.ManagerStatus}}'")
  missing=
  for name in $DOCKHOST_NODES; do
    printf '%s\n' "$nodes" | grep -q "^$name Ready" || missing="$missing $name"
  done
  managers=$(printf '%s\n' "$nodes" | grep -c -E ' Ready (Leader|Reachable)$' || true)
  if [ -z "$missing" ] && [ "$managers" -ge "$DOCKHOST_MANAGERS" ]; then
    echo "dockhost: swarm: every node is Ready ($DOCKHOST_NODES), $managers managers reachable"
    exit 0
  fi
  tries=$((tries + 1))
  if [ "$tries" -ge 60 ]; then
    echo "dockhost: swarm: not Ready after 5 minutes:${missing:- (all nodes Ready)}; $managers of $DOCKHOST_MANAGERS managers reachable" >&2
    exit 1
  fi
  sleep 5
done
