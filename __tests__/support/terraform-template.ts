/**
 * Evaluates the few Terraform template expressions our user-data contains with sample values, the
 * way Terraform would at plan time, so real validators can read the document. Any expression
 * without a value is an error: the test must know every one it lets through.
 */
export function evaluateTemplate(template: string, values: Record<string, unknown>): string {
  const rendered = template.replace(/(\$\$\{|%%\{)|\$\{([^}]*)\}/g, (_, escaped: string | undefined, expression: string) => {
    if (escaped) return escaped.slice(1);
    if (!(expression in values)) throw new Error(`no sample value for \${${expression}}`);
    const value = values[expression];
    return typeof value === "string" ? value : JSON.stringify(value);
  });
  return rendered;
}
