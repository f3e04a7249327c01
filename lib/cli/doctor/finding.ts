/** One result of a doctor check: fine, a note (not checked, informational), or a problem with its fix. */
export interface Finding {
  readonly status: "ok" | "note" | "problem";
  /** What was checked and what was found. */
  readonly message: string;
  /** For a problem: what to do about it. */
  readonly fix?: string;
}

export const ok = (message: string): Finding => ({ status: "ok", message });
export const note = (message: string): Finding => ({ status: "note", message });
export const problem = (message: string, fix: string): Finding => ({ status: "problem", message, fix });
