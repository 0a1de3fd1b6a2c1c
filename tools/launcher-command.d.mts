/** The Node flags on `launcher`'s first line (none for a plain `#!/usr/bin/env node`). */
export function launcherNodeFlags(launcher: string): string[];
/** `[...flags, launcher]`: what follows `node` to run the launcher as its bin does. */
export function launcherCommand(launcher: string): string[];
