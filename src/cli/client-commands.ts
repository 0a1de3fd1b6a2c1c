// The commands that work through the Kafka client (issue #8): topic, config and group administer
// any Kafka-compatible cluster, produce and consume write and read it, bench measures it. With their
// modules come the client, cli-table3 and cli-progress, which `pyralog start` never needs.
import type { Command } from 'commander';
import { addBenchCommands } from './bench-commands.js';
import { addConfigCommands } from './config-commands.js';
import { addConsumeCommand } from './consume-command.js';
import { addGroupCommands } from './group-commands.js';
import { addProduceCommand } from './produce-command.js';
import { addTopicCommands } from './topic-commands.js';

/** Adds every client command to the program, in the order `pyralog --help` lists them. */
export function addClientCommands(program: Command): void {
  addTopicCommands(program);
  addConfigCommands(program);
  addGroupCommands(program);
  addProduceCommand(program);
  addConsumeCommand(program);
  addBenchCommands(program);
}
