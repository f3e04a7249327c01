/**
 * Host names as routes and certificates use them: DNS labels of letters, digits and `-`, at least
 * two labels, 253 characters at most. A leading `*.` (a wildcard) is allowed only where asked.
 */
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

export function isHostname(name: string, options: { readonly wildcard?: boolean } = {}): boolean {
  const host = options.wildcard && name.startsWith("*.") ? name.slice(2) : name;
  if (host.length > 253 || host !== host.toLowerCase()) return false;
  const labels = host.split(".");
  return labels.length >= 2 && labels.every((label) => LABEL.test(label));
}

/** {@link isHostname} without wildcards, as an RE2 regex for Terraform variable validation. */
export const HOSTNAME_PATTERN = "^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$";

/** The e-mail shape ACME accounts need: local part, `@`, a host name. Also usable as an RE2 regex. */
export const EMAIL_PATTERN = "^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)+$";

export function isEmail(text: string): boolean {
  return new RegExp(EMAIL_PATTERN).test(text);
}
