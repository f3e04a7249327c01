#!/bin/sh
# A VM leaves the Swarm, run by Terraform on the deploying machine when SwarmCluster stops
# declaring it (destroy time). Only a retired VM (DockhostStack.retireVm) leaves; any other (a
# replaced Terraform resource, a lower manager count) stays in the Swarm as it is.
# Docker's order (docs.docker.com/engine/swarm/manage-nodes, .../reference/commandline/swarm_leave):
# demote a manager first (leaving as a manager would cost the quorum a member without
# reconfiguring it), drain so the scheduler moves the node's tasks elsewhere, then leave on the
# node, and remove the node, now Down, from the managers' list.
#
# Environment: DOCKHOST_TARGET, DOCKHOST_MANAGER (admin@address), DOCKHOST_RETIRED (true/false).
set -eu

{{HELPERS}}

if [ "$DOCKHOST_RETIRED" != true ]; then
  say "not retired (retireVm): stays in the Swarm"
  exit 0
fi
node=$(on "$DOCKHOST_TARGET" "sudo docker info --format '{{.Swarm.NodeID}}'")
if [ -z "$node" ]; then
  say "not in a Swarm"
  exit 0
fi
if [ "$(on "$DOCKHOST_MANAGER" "sudo docker node inspect --format '{{.Spec.Role}}' $node")" = manager ]; then
  on "$DOCKHOST_MANAGER" "sudo docker node demote $node" >/dev/null
  say "demoted"
fi
on "$DOCKHOST_MANAGER" "sudo docker node update --availability drain $node" >/dev/null
drained() {
  [ -z "$(on "$DOCKHOST_MANAGER" "sudo docker node ps --quiet --filter desired-state=running $node")" ]
}
poll 60 "tasks are still running on the draining node (docker node ps $node)" drained
say "drained"
on "$DOCKHOST_TARGET" "sudo docker swarm leave" >/dev/null
down() {
  [ "$(on "$DOCKHOST_MANAGER" "sudo docker node inspect --format '{{.Status.State}}' $node")" = down ]
}
poll 24 "left, but the managers do not see node $node down (remove it by hand: docker node rm $node)" down
on "$DOCKHOST_MANAGER" "sudo docker node rm $node" >/dev/null
say "left the Swarm; node $node removed"
