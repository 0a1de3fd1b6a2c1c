// The `pyralog` command: `start` runs a single-node broker (issue #4); topic, config, cluster and group administer any Kafka-compatible cluster, and produce, consume and bench read, write and measure it, through src/client (issue #8).
import { Command, CommanderError } from 'commander';
import { VERSION } from '../version.js';

const program = new Command()
  .name('pyralog')
  .description('A distributed commit log that speaks the Apache Kafka wire protocol')
  .version(VERSION);

const collect = (value: string, previous: string[]): string[] => [...previous, value];

program
  .command('start')
  .description('start a single-node broker (zero config: node 1, localhost:9092, data under ./data)')
  .option('--config <file>', 'a server.properties file (Kafka key names)')
  .option('--override <key=value>', 'set a config key (repeatable; beats env and file)', collect, [])
  .option('--node-id <id>', 'node.id')
  .option('--listeners <list>', 'listeners, e.g. PLAINTEXT://0.0.0.0:9092')
  .option('--advertised-listeners <list>', 'advertised.listeners')
  .option('--log-dirs <dirs>', 'log.dirs (comma-separated)')
  .option('--storage <kind>', 'pyralog.storage: disk or memory')
  .option('--flush-mode <mode>', 'pyralog.flush.mode: durable or kafka')
  .option('--log-format <format>', 'auto (readable on a terminal, else JSON lines), json or pretty', 'auto')
  .option('--log-level <level>', 'root log level: fatal, error, warn, info, debug, trace or silent', 'info')
  // Loaded on use: the admin commands then never load the broker's modules.
  .action(async (options) => (await import('./start-command.js')).runStart(options));

/**
 * Adds the client commands, unless the first argument is `start`: their modules (the Kafka client,
 * tables, progress bars) are then never evaluated before the broker is ready (bench/startup). Any
 * other command line (`--help`, `help start`, a typo) gets them all. Then parses the command line.
 */
async function main(): Promise<void> {
  if (process.argv[2] !== 'start') (await import('./client-commands.js')).addClientCommands(program);
  // Bad arguments exit 2, as Kafka's tools and most Unix commands do (commander's default is 1).
  program.exitOverride();
  for (const command of program.commands) exitOverrideAll(command);
  await program.parseAsync(process.argv);
}
function exitOverrideAll(command: Command): void {
  command.exitOverride();
  for (const sub of command.commands) exitOverrideAll(sub);
}
// No top-level await: the bundle is CommonJS so that the launcher can run it from V8's code cache
// (tools/build/bundle-cli.ts). Any other error stays an unhandled rejection: its stack, exit code 1.
void main().catch((error: unknown) => {
  if (!(error instanceof CommanderError)) throw error;
  process.exitCode = error.exitCode === 0 ? 0 : 2;
});
