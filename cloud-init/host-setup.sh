#!/bin/sh
# Applies the dockhost host settings. Runs at first boot (cloud-init runcmd) and again over SSH
# whenever DockerHost's settings change (day 2), so every step is idempotent.
set -eu

SWAP_FILE=/swapfile
SWAP_MB="{{SWAP_MB}}"
ADMIN_USER="{{ADMIN_USER}}"
STACKS_DIR="{{STACKS_DIR}}"
STATE_DIR=/var/lib/dockhost

install -d -m 0755 "$STACKS_DIR"
install -d -m 0700 "$STATE_DIR"

# Swap file: recreated only when its size differs from the wanted one.
current_mb=0
if [ -f "$SWAP_FILE" ]; then
  current_mb=$(( $(stat -c %s "$SWAP_FILE") / 1048576 ))
fi
if [ "$current_mb" -ne "$SWAP_MB" ]; then
  if [ -f "$SWAP_FILE" ]; then
    swapoff "$SWAP_FILE" 2>/dev/null || true
    rm -f "$SWAP_FILE"
  fi
  sed -i "\|^$SWAP_FILE |d" /etc/fstab
  if [ "$SWAP_MB" -gt 0 ]; then
    fallocate -l "${SWAP_MB}M" "$SWAP_FILE"
    chmod 600 "$SWAP_FILE"
    mkswap "$SWAP_FILE" >/dev/null
    swapon "$SWAP_FILE"
    echo "$SWAP_FILE none swap sw 0 0" >> /etc/fstab
  fi
fi

# The Docker provider connects over SSH as the admin user, who needs the Docker socket.
if getent group docker >/dev/null; then
  usermod -aG docker "$ADMIN_USER"
fi

# A daemon.json that dockerd would refuse must never reach the running engine: `dockerd --validate`
# where the engine has it (23.0+); before that, a throwaway daemon on a temporary socket, data root
# and exec root must get past loading its configuration (it logs "Starting up" only then).
daemon_json_accepted() {
  if dockerd --help 2>/dev/null | grep -q -- '--validate'; then
    dockerd --validate --config-file "$1"
    return
  fi
  check_dir=$(mktemp -d)
  dockerd --config-file "$1" --data-root "$check_dir/data" --exec-root "$check_dir/exec" \
    --pidfile "$check_dir/pid" --host "unix://$check_dir/sock" >"$check_dir/log" 2>&1 &
  check_pid=$!
  waited=0
  while kill -0 "$check_pid" 2>/dev/null && ! grep -q 'Starting up' "$check_dir/log" && [ "$waited" -lt 100 ]; do
    sleep 0.1
    waited=$((waited + 1))
  done
  accepted=1
  grep -q 'Starting up' "$check_dir/log" && accepted=0
  kill "$check_pid" 2>/dev/null || true
  wait "$check_pid" 2>/dev/null || true
  [ "$accepted" -eq 0 ] || grep -v '^time=' "$check_dir/log" >&2 || true
  rm -rf "$check_dir"
  return "$accepted"
}

# Restart dockerd only when daemon.json changed; live-restore keeps the containers running.
if [ -f /etc/docker/daemon.json ] && ! cmp -s /etc/docker/daemon.json "$STATE_DIR/daemon.json.applied"; then
  if ! daemon_json_accepted /etc/docker/daemon.json; then
    echo "dockhost: dockerd refuses the new /etc/docker/daemon.json (above); the engine keeps running with the previous one" >&2
    if [ -f "$STATE_DIR/daemon.json.applied" ]; then
      cp "$STATE_DIR/daemon.json.applied" /etc/docker/daemon.json
    fi
    exit 1
  fi
  if systemctl is-active --quiet docker; then
    systemctl restart docker
  fi
  cp /etc/docker/daemon.json "$STATE_DIR/daemon.json.applied"
fi

systemctl daemon-reload
systemctl enable --now docker-prune.timer journal-vacuum.timer
