/**
 * The numbers of the original dockhost description (shared/seed/dockhost-vm.md). Every construct
 * default that comes from the seed reads it from here, so the seed is reproduced in one place.
 */
export const SEED = {
  vmCount: 1,
  templateId: 9001,
  disk0SizeGb: 50,
  cpuCores: 3,
  memoryMb: 10240,
  namePrefix: "dockhost",
  baseId: 9010,
  ipStart: 10,
  description: "VM for dockhost project - All Docker apps",
  bridge: "vmbr0",
  /** The seed writes 192.168.x.0/24 and leaves x to the owner; 1 is the common choice. */
  lanCidr: "192.168.1.0/24",
  gatewayHost: 1,
  /** DNS: the gateway (.1) first, then 1.1.1.1. */
  publicDns: "1.1.1.1",
  /** Disk split of the 50 GB disk: / 10 GB, swap 2 GB, 3 GB reserve; Docker gets the rest (35 GB). */
  rootFsGb: 10,
  swapGb: 2,
  reserveGb: 3,
  /** json-file log rotation. */
  logMaxSize: "10m",
} as const;

/** Proxmox accepts VM ids in this range (pvesh: vmid 100..999999999). */
export const PROXMOX_VM_ID = { min: 100, max: 999_999_999 } as const;
