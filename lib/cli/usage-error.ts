/** A bad command line; `dockhost` prints it with the command's usage and exits 2. */
export class UsageError extends Error {}
