import { DockhostApp } from "./constructs/dockhost-app";
import { buildReferenceHomelab } from "./lib/reference-homelab";

// The reference homelab; lib/reference-homelab.ts shows how it is composed from constructs/.
const app = new DockhostApp();
buildReferenceHomelab(app);
app.synth();
