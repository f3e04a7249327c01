/** Settings every long-running catalog service shares: restarts, and no privilege escalation. */
export const HARDENED = { restart: "unless-stopped", securityOpt: ["no-new-privileges:true"] } as const;
