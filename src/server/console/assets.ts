// The console's page and script, loaded only at the first request for them (routes.ts imports this
// module then): an idle server does not hold them. The script is bundled from ui/ at build time.
import { bundleConsoleScript } from "./bundle.ts" with { type: "macro" };
export { CONSOLE_PAGE } from "./page.ts";

export const CONSOLE_SCRIPT: string = bundleConsoleScript();
