/**
 * Compose variable interpolation (`$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR:?message}`, `$$`),
 * fed only from an explicit map: the process environment is never read, so a synth does not
 * depend on the shell it runs in.
 */
import { InvalidInput, invalid } from "../errors";

/** Where the template was written, for error messages. */
export type TemplateLocation = Pick<InvalidInput, "path" | "key">;

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

/**
 * What follows the name inside `${...}`. With a colon, an empty value counts as unset.
 * `-` default, `?` error, `+` alternative value.
 */
const MODIFIER = /^(:?)([-?+])/;

/** Replaces every variable reference in `template`; throws naming the variable and the key. */
export function interpolate(
  template: string,
  variables: Readonly<Record<string, string>>,
  at: TemplateLocation,
): string {
  const fail: (allowed: string) => never = (allowed) => invalid({ ...at, value: template, allowed });
  const lookup = (name: string): string | undefined => (Object.hasOwn(variables, name) ? variables[name] : undefined);

  const expand = (text: string): string => {
    let result = "";
    let i = 0;
    while (i < text.length) {
      const dollar = text.indexOf("$", i);
      if (dollar < 0) return result + text.slice(i);
      result += text.slice(i, dollar);
      const next = text[dollar + 1];
      if (next === "$") {
        result += "$";
        i = dollar + 2;
      } else if (next === "{") {
        const close = matchingBrace(text, dollar + 1);
        if (close < 0) fail("a template whose ${ is closed by }");
        result += expandBraced(text.slice(dollar + 2, close));
        i = close + 1;
      } else {
        const name = NAME.exec(text.slice(dollar + 1))?.[0];
        if (name === undefined) fail("a template where a literal $ is written $$");
        result += required(name, lookup(name));
        i = dollar + 1 + name.length;
      }
    }
    return result;
  };

  const expandBraced = (body: string): string => {
    const name = NAME.exec(body)?.[0];
    if (name === undefined) fail("a template where ${ is followed by a variable name");
    const rest = body.slice(name.length);
    if (rest === "") return required(name, lookup(name));
    const modifier = MODIFIER.exec(rest);
    if (modifier === null)
      fail("a template ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?error} or ${NAME:+value}");
    const [operator, colon, kind] = modifier;
    const word = rest.slice(operator.length);
    const value = lookup(name);
    const isSet = value !== undefined && (colon === "" || value !== "");
    if (kind === "-") return isSet ? value : expand(word);
    if (kind === "+") return isSet ? expand(word) : "";
    return isSet ? value : fail(`variable ${name} is required${word === "" ? "" : `: ${expand(word)}`}`);
  };

  const required = (name: string, value: string | undefined): string =>
    value ?? fail(`variable ${name} is not set; pass it in variables or give a default: \${${name}:-default}`);

  return expand(template);
}

/** Index of the `}` that closes the `{` at `open`, counting nested `${...}`; -1 when unclosed. */
function matchingBrace(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === "{") depth++;
    else if (text[i] === "}" && --depth === 0) return i;
  }
  return -1;
}
