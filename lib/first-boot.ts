/** Commands of the VM's first boot (and of every later cloud-init instance). */

/**
 * SSH host keys survive user-data changes. Proxmox rebuilds the cloud-init drive at every start
 * with `instance-id = sha1(user-data . network-config)` (proxmox/qemu-server
 * src/PVE/QemuServer/Cloudinit.pm, nocloud_gen_metadata), so a changed snippet makes cloud-init
 * see a new instance at the next start and re-run its per-instance modules; cc_ssh then deletes
 * the host keys unless `ssh_deletekeys` is false (canonical/cloud-init cloudinit/config/cc_ssh.py)
 * and makes only the keys that are missing. The instance id itself is left as Proxmox computes it:
 * a fixed one would be a new id, once, for every VM running today.
 *
 * A clone's first boot must still not keep keys baked into the template: cloud-init records
 * `NO_PREVIOUS_INSTANCE_ID` in previous-instance-id on a disk that never ran it before
 * (cloudinit/stages.py, _reflect_cur_instance), and bootcmd runs before cc_ssh, so this deletes
 * the keys on that boot only.
 */
export const FRESH_CLONE_KEY_RESET =
  "if grep -qx NO_PREVIOUS_INSTANCE_ID /var/lib/cloud/data/previous-instance-id 2>/dev/null; then rm -f /etc/ssh/ssh_host_*key*; fi";

/** Installs the QEMU guest agent if the cloud-init package step did not (Ubuntu sources only). */
export const GUEST_AGENT_INSTALL =
  "dpkg -s qemu-guest-agent >/dev/null 2>&1 || apt-get install -y qemu-guest-agent || { apt-get update; apt-get install -y qemu-guest-agent; }; systemctl enable --now qemu-guest-agent";
