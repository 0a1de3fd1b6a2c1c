#!/usr/bin/env node
// The `pyralog` command. Subcommands arrive with their issues; `start` runs a single-node broker (issue #4).
import { Command } from 'commander';
import { VERSION } from '../version.js';
import { runStart } from './start-command.js';

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
  .action(runStart);

await program.parseAsync(process.argv);
