// Jest transform: TypeScript to CommonJS with esbuild. Type-checking is `tsc --noEmit`'s job (the
// first half of `npm test`); here only speed matters, and esbuild needs no TypeScript compiler
// loaded in every worker.
"use strict";
const { transformSync } = require("esbuild");

module.exports = {
  process(source, filename) {
    const { code, map } = transformSync(source, { loader: "ts", format: "cjs", target: "node20", sourcemap: "external", sourcefile: filename });
    return { code, map };
  },
};
