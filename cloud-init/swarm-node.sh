#!/bin/sh
# Swarm membership of one VM, run by Terraform on the deploying machine (SwarmCluster). Idempotent:
# a VM already in the Swarm is not joined again; its role and node labels are brought to what the
# code says. Docker's behaviour relied on (docs.docker.com/engine/reference/commandline/):
# swarm_init, swarm_join (a node joins with a manager's address and a role's token),
# swarm_join-token (`-q` prints the token alone), node_promote/node_demote, node_update
# (--label-add/--label-rm); `docker info` .Swarm.LocalNodeState is inactive, pending, active,
# error or locked.
#
# The join token never leaves a pipe: it is read on the first manager, piped over SSH into the
# joining VM and read there into a shell variable. It is not in Terraform's configuration, state
# or output, nor on this machine's command lines.
#
# Environment: DOCKHOST_TARGET (admin@address of this VM), DOCKHOST_ADDRESS (its LAN address,
# the Swarm's advertise address), DOCKHOST_MANAGER (admin@address of the first manager),
# DOCKHOST_MANAGER_ADDRESS, DOCKHOST_ROLE (init, manager or worker), DOCKHOST_LABELS
# (space-separated key=value, validated at synth).
set -eu

{{HELPERS}}

state=$(on "$DOCKHOST_TARGET" "sudo docker info --format '{{.Swarm.LocalNodeState}}'")
case $state in
  active)
    say "already in the Swarm, not joined again"
    ;;
  inactive)
    if [ "$DOCKHOST_ROLE" = init ]; then
      # Not printed: init's message holds the worker join command, token included.
      on "$DOCKHOST_TARGET" "sudo docker swarm init --advertise-addr $DOCKHOST_ADDRESS >/dev/null"
      say "initialized the Swarm (first manager, advertising $DOCKHOST_ADDRESS)"
    else
      on "$DOCKHOST_MANAGER" "sudo docker swarm join-token -q $DOCKHOST_ROLE" |
        on "$DOCKHOST_TARGET" "read -r token && sudo docker swarm join --token \"\$token\" --advertise-addr $DOCKHOST_ADDRESS $DOCKHOST_MANAGER_ADDRESS:{{MANAGER_PORT}} >/dev/null"
      say "joined the Swarm as a $DOCKHOST_ROLE through $DOCKHOST_MANAGER_ADDRESS"
    fi
    ;;
  *)
    say "the Swarm state is '$state' (not active or inactive): resolve it on the VM (docker info), then apply again" >&2
    exit 1
    ;;
esac

node=$(on "$DOCKHOST_TARGET" "sudo docker info --format '{{.Swarm.NodeID}}'")
[ "$DOCKHOST_ROLE" = init ] && want=manager || want=$DOCKHOST_ROLE

# Ready as the managers see it (the status is unknown, down, ready or disconnected).
node_ready() {
  [ "$(on "$DOCKHOST_MANAGER" "sudo docker node inspect --format '{{.Status.State}}' $node")" = ready ]
}
poll 60 "node $node is not Ready (docker node ls on $DOCKHOST_MANAGER_ADDRESS)" node_ready

role=$(on "$DOCKHOST_MANAGER" "sudo docker node inspect --format '{{.Spec.Role}}' $node")
if [ "$role" != "$want" ]; then
  [ "$want" = manager ] && change=promote || change=demote
  on "$DOCKHOST_MANAGER" "sudo docker node $change $node" >/dev/null
  say "was a $role: ${change}d to $want"
fi

# Node labels: the code's, exactly (labels set by hand on this node are removed).
have=$(on "$DOCKHOST_MANAGER" "sudo docker node inspect --format '{{range \$k, \$v := .Spec.Labels}}{{\$k}}={{\$v}} {{end}}' $node")
changes=
for label in $DOCKHOST_LABELS; do
  case " $have " in
    *" $label "*) ;;
    *) changes="$changes --label-add $label" ;;
  esac
done
for label in $have; do
  case " $DOCKHOST_LABELS " in
    *" ${label%%=*}="*) ;;
    *) changes="$changes --label-rm ${label%%=*}" ;;
  esac
done
if [ -n "$changes" ]; then
  on "$DOCKHOST_MANAGER" "sudo docker node update$changes $node" >/dev/null
  say "labels set:$changes"
fi
say "node $node is Ready as a $want"
