/**
 * Splits a compose `command: "a 'b c'"` string into arguments the way compose does (POSIX shell
 * quoting, no expansion), so that the model only ever holds argument lists.
 */
import type { Fail } from "./short-syntax";

/** Characters a backslash escapes inside double quotes; before anything else it stays literal. */
const ESCAPABLE_IN_DOUBLE_QUOTES = new Set(['"', "\\", "$", "`", "\n"]);

/** Splits on unquoted whitespace; honours single quotes, double quotes and backslash escapes. */
export function splitShellWords(text: string, fail: Fail): string[] {
  const words: string[] = [];
  let word: string | undefined; // undefined until something (even '') starts a word
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quote === "'") {
      if (char === "'") quote = undefined;
      else word += char;
    } else if (
      char === "\\" &&
      i + 1 < text.length &&
      (quote === undefined || ESCAPABLE_IN_DOUBLE_QUOTES.has(text[i + 1]))
    ) {
      word = (word ?? "") + text[++i];
    } else if (quote === '"') {
      if (char === '"') quote = undefined;
      else word += char;
    } else if (char === "'" || char === '"') {
      quote = char;
      word ??= "";
    } else if (/\s/.test(char)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else {
      word = (word ?? "") + char;
    }
  }
  if (quote !== undefined) fail(`a command line whose ${quote} quotes are closed`);
  if (word !== undefined) words.push(word);
  return words;
}
