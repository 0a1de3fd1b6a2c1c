#!/usr/bin/env node
// The `pyralog` command. Subcommands arrive with their issues; until the broker lands (issue #4),
// `start` refuses with a clear message rather than pretending to serve.
import { Command } from 'commander';
import { VERSION } from '../version.js';

const program = new Command()
  .name('pyralog')
  .description('A distributed commit log that speaks the Apache Kafka wire protocol')
  .version(VERSION);

program
  .command('start')
  .description('start a single-node broker (localhost:9092, data under ./data)')
  .action(() => {
    process.stderr.write(
      'pyralog start: the broker is not built yet (issue #4); this build ships the protocol codec only.\n',
    );
    process.exitCode = 1;
  });

await program.parseAsync(process.argv);
