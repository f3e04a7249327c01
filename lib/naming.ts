/** A construct id as a Terraform name (letters, digits, `_` and `-`; cannot start with a digit). */
export function terraformName(id: string): string {
  const name = id.replace(/[^A-Za-z0-9_-]/g, "_");
  return /^[0-9]/.test(name) ? `_${name}` : name;
}
