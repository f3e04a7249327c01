// Prints one plain closing line, `tests: N passed, N failed, N skipped`, after Jest's own summary,
// so that CI logs state the count in a form any reader can parse; before it, when tests skipped
// for a missing tool, the one loud line that names what to install (requirements.js).
"use strict";
const { skipSummary } = require("./requirements");

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skippedTitles = results.testResults.flatMap((file) => file.testResults.filter((t) => t.status === "pending").map((t) => t.fullName));
    const missing = skipSummary(skippedTitles);
    if (missing !== undefined) process.stdout.write(`${missing}\n`);
    const skipped = results.numPendingTests + results.numTodoTests;
    process.stdout.write(`tests: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped\n`);
  }
}

module.exports = SummaryReporter;
