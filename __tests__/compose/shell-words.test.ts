import { splitShellWords } from "../../lib/compose/shell-words";

const fail = (allowed: string): never => {
  throw new Error(allowed);
};

describe("splitShellWords", () => {
  it.each([
    ["redis-server --appendonly yes", ["redis-server", "--appendonly", "yes"]],
    ["  spaced \t out\n ", ["spaced", "out"]],
    [`sh -c 'echo "$HOME" && sleep 1'`, ["sh", "-c", 'echo "$HOME" && sleep 1']],
    [`echo "a \\"quoted\\" word" \\$x`, ["echo", 'a "quoted" word', "$x"]],
    [`say "back\\slash"`, ["say", "back\\slash"]],
    [`--save "" --appendonly no`, ["--save", "", "--appendonly", "no"]],
    [`pre'fix'"ed"`, ["prefixed"]],
    [`a\\ b`, ["a b"]],
    ["", []],
  ])("splits %j", (text, words) => {
    expect(splitShellWords(text, fail)).toEqual(words);
  });

  it.each([`echo 'open`, `echo "open`])("rejects %j", (text) => {
    expect(() => splitShellWords(text, fail)).toThrow("quotes are closed");
  });
});
