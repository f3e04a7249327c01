import { App } from "cdktf";
import { buildReferenceHomelab } from "./lib/reference-homelab";

// The reference homelab; lib/reference-homelab.ts shows how it is composed from constructs/.
const app = new App();
buildReferenceHomelab(app);
app.synth();
