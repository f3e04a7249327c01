/**
 * cdktf captures a full stack trace (Error.stackTraceLimit = MAX) for every token it creates, to
 * say where a token came from if it ever fails to resolve. A homelab of 1,000 containers creates
 * tens of thousands of tokens, and the captures cost about a third of the synth. DockhostApp turns
 * them off together with construct stack traces (App's `stackTraces: false`); an unresolvable token
 * is then reported without its creation stack.
 *
 * cdktf's compiled modules call `(0, stack_trace_1.captureStackTrace)()`, reading the function
 * from the module's exports at each call, so replacing the export is enough. If a cdktf release
 * moves it, nothing is replaced and synthesis only stays slower.
 */
const stackTrace: { captureStackTrace?: (...args: unknown[]) => string[] } = (() => {
  try {
    return require("cdktf/lib/tokens/private/stack-trace");
  } catch {
    return {};
  }
})();
const original = stackTrace.captureStackTrace;

export function setTokenStackTraces(enabled: boolean): void {
  if (original === undefined) return;
  stackTrace.captureStackTrace = enabled ? original : () => [];
}
