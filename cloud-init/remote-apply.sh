#!/bin/sh
# Runs as root on the VM (day 2): writes the host files atomically, then the host-setup script.
set -eu

# A daemon.json dockerd would refuse must never replace the running one: the host-setup script
# restarts dockerd after a change, and a daemon that cannot start takes every container down.
# `dockerd --validate` exists from Docker 23; older engines get a JSON syntax check.
validate_daemon_json() {
  if dockerd --help 2>/dev/null | grep -q -- '--validate'; then
    dockerd --validate --config-file "$1"
  else
    python3 -m json.tool "$1" >/dev/null
  fi
}

write_file() {
  install -d "$(dirname "$1")"
  printf '%s' "$3" | base64 -d > "$1.dockhost-new"
  chmod "$2" "$1.dockhost-new"
  if [ "$1" = /etc/docker/daemon.json ] && ! validate_daemon_json "$1.dockhost-new"; then
    rm -f "$1.dockhost-new"
    echo "dockhost: the new /etc/docker/daemon.json is invalid; dockerd keeps its current configuration" >&2
    exit 1
  fi
  mv "$1.dockhost-new" "$1"
}

{{WRITE_FILES}}
{{SETUP_SCRIPT}}
