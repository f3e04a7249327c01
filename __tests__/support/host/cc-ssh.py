"""Runs cloud-init's own cc_ssh module (the distribution's cloud-init) on a cloud-config file.

Usage: cc-ssh.py <cloud-config.yaml>. Meant to run inside a private mount namespace whose
/etc/ssh, /root and /home are throwaway tmpfs (see host-keys tests): cc_ssh deletes and writes
/etc/ssh/ssh_host_* itself. Prints the SHA-256 of each host key file before and after, as JSON.
"""
import glob
import hashlib
import json
import logging
import sys

import yaml
from cloudinit.config import cc_ssh


class Datasource:
    def publish_host_keys(self, keys):
        pass


class Cloud:
    """Only what cc_ssh reads; no distro, so it writes no user's authorized_keys."""

    datasource = Datasource()
    distro = None

    def get_public_ssh_keys(self):
        return []


def digests():
    return {
        path: hashlib.sha256(open(path, "rb").read()).hexdigest()
        for path in sorted(glob.glob("/etc/ssh/ssh_host_*key*"))
    }


with open(sys.argv[1]) as f:
    cfg = yaml.safe_load(f)
before = digests()
cc_ssh.handle("ssh", cfg, Cloud(), logging.getLogger("cc_ssh"), [])
print(json.dumps({"before": before, "after": digests()}))
