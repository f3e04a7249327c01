import { IConstruct } from "constructs";
import { DockhostInputError } from "./errors";

/**
 * Runs `check` as a validation of `construct`: for input that can only be judged once the whole
 * app is built (the ports every stack publishes, the volumes every stack declares). DockhostApp
 * runs all validations before any stack is written, so the error names the construct, the key and
 * the value, and nothing is synthesized.
 */
export function checkAtSynth(construct: IConstruct, check: () => void): void {
  construct.node.addValidation({
    validate: () => {
      try {
        check();
        return [];
      } catch (error) {
        if (error instanceof DockhostInputError) return [error.message];
        throw error;
      }
    },
  });
}
