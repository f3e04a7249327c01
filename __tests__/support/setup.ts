import { Testing } from "cdktf";

// Registers cdktf's matchers (toHaveResourceWithProperties, ...).
Testing.setupJest();

// Tests synthesize many apps from one folder: the ledger is off unless a test names its own file.
process.env.DOCKHOST_LEDGER_FILE = "";
