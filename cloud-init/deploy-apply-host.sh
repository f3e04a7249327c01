#!/bin/sh
# Day 2, run by Terraform on the deploying machine when DockerHost's settings change: sends the
# host files and re-runs the idempotent host-setup script as root on the VM.
set -eu

printf '%s' "$DOCKHOST_APPLY_SCRIPT" | base64 -d | {{SSH}} 'sudo sh -s'
