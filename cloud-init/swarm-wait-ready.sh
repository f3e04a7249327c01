#!/bin/sh
# Readiness gate of the Swarm (SwarmCluster), run by Terraform on the deploying machine after the
# joins: waits until `docker node ls` on the first manager shows every VM's hostname Ready and
# at least DOCKHOST_MANAGERS managers, so the apps stack applies to a whole Swarm.
#
# Environment: DOCKHOST_MANAGER (admin@address), DOCKHOST_NODES (space-separated VM names),
# DOCKHOST_MANAGERS (how many managers).
set -eu

{{HELPERS}}

all_ready() {
  nodes=$(on "$DOCKHOST_MANAGER" "sudo docker node ls --format '{{.Hostname}} {{.Status}} {{.ManagerStatus}}'")
  missing=
  for name in $DOCKHOST_NODES; do
    printf '%s\n' "$nodes" | grep -q "^$name Ready" || missing="$missing $name"
  done
  managers=$(printf '%s\n' "$nodes" | grep -c -E ' Ready (Leader|Reachable)$' || true)
  detail="not Ready:${missing:- none}; $managers of $DOCKHOST_MANAGERS managers reachable"
  [ -z "$missing" ] && [ "$managers" -ge "$DOCKHOST_MANAGERS" ]
}
poll 60 "the Swarm is not whole" all_ready
say "every node is Ready ($DOCKHOST_NODES), $managers managers reachable"
