#!/bin/sh
# Runs as root on the VM (day 2): writes the host files atomically, then the host-setup script
# (which has dockerd check a changed daemon.json before any restart, and puts the previous one back).
set -eu

write_file() {
  install -d "$(dirname "$1")"
  printf '%s' "$3" | base64 -d > "$1.dockhost-new"
  chmod "$2" "$1.dockhost-new"
  mv "$1.dockhost-new" "$1"
}

{{WRITE_FILES}}
{{SETUP_SCRIPT}}
