import { IntegerBounds } from "./bounds";
import { PROXMOX_VM_ID, SEED } from "./seed";

/**
 * Limits on the VM settings. Each is used twice, from this one definition: by the DockhostVm
 * constructor on its props, and in the `validation` block of the Terraform variable that can
 * override the prop at plan time.
 */
export const VM_LIMITS = {
  count: { min: 1, max: 100 },
  vmId: PROXMOX_VM_ID,
  cpuCores: { min: 1, max: 512 },
  /** Below 1 GB, Ubuntu plus the Docker daemon leave nothing for containers. */
  memoryMb: { min: 1024, max: 4_194_304 },
  /** Root filesystem, swap and reserve must fit, with at least 1 GB left for Docker. */
  disk0SizeGb: { min: SEED.rootFsGb + SEED.swapGb + SEED.reserveGb + 1, max: 131_072 },
} satisfies Record<string, IntegerBounds>;

/** VM names are host names: one DNS label, lowercase (Proxmox and cloud-init both need that). */
export const VM_NAME_PATTERN = "^[a-z0-9]([a-z0-9-]{0,40}[a-z0-9])?$";

/** Proxmox storage ids (pve's `pve-storage-id` format): datastores, backup storages. */
export const PROXMOX_STORAGE_ID = /^[a-z][a-z0-9_.-]*[a-z0-9]$/i;

/** Proxmox node names are host names: one DNS label (no spaces, no shell characters). */
export const PROXMOX_NODE_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;

/** Linux network interface names, such as Proxmox bridges (vmbr0): at most 15 characters. */
export const BRIDGE_NAME = /^[a-z][a-z0-9_.-]{0,14}$/i;

/** Proxmox tag syntax (pve's `pve-tag` format), lowercase as Proxmox stores them. */
export const PROXMOX_TAG_PATTERN = /^[a-z0-9_][a-z0-9_+.-]*$/;

/** VM ids taken by VMs 0..count-1. */
export function vmIdRange(baseId: number, count: number): { readonly first: number; readonly last: number } {
  return { first: baseId, last: baseId + count - 1 };
}

/** True when the template's id is one the cloned VMs would take. */
export function templateCollides(templateId: number, baseId: number, count: number): boolean {
  const ids = vmIdRange(baseId, count);
  return templateId >= ids.first && templateId <= ids.last;
}

/** The host numbers VMs 0..count-1 take in the LAN. */
export function ipHostRange(ipStart: number, count: number): { readonly first: number; readonly last: number } {
  return { first: ipStart, last: ipStart + count - 1 };
}

/** The name of VM `index`: the first keeps the bare prefix, so adding VMs never renames it. */
export function vmName(prefix: string, index: number): string {
  return index === 0 ? prefix : `${prefix}-${index + 1}`;
}

/** {@link vmName} as a Terraform expression over the list of all names. */
export const VM_NAMES_EXPRESSION =
  '[for i in range(var.vm_count) : i == 0 ? var.vm_name_prefix : format("%s-%d", var.vm_name_prefix, i + 1)]';
