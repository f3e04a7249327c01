# Shared by the Swarm steps (SwarmCluster), run on the deploying machine.

# on HOST COMMAND: runs COMMAND on HOST with the pinned SSH options.
on() {
  host=$1
  shift
  {{SSH}} "$host" "$@"
}

say() {
  echo "dockhost: swarm: ${DOCKHOST_TARGET:-$DOCKHOST_MANAGER}: $*"
}

# poll LOOKS WHAT TEST...: runs TEST until it succeeds, 5 s apart; after LOOKS looks it fails,
# saying that WHAT has not happened (and `detail`, when TEST set it).
poll() {
  looks=$1
  what=$2
  shift 2
  tries=0
  detail=
  until "$@"; do
    tries=$((tries + 1))
    if [ "$tries" -ge "$looks" ]; then
      say "$what after $((looks * 5)) s${detail:+: $detail}" >&2
      exit 1
    fi
    sleep 5
  done
}
