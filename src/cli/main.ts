#!/usr/bin/env node
// SPDX-License-Identifier: MIT
/**
 * The `fastprop` command: one file per subcommand, commander for arguments and help, and one
 * error convention: whatever goes wrong prints ONE line on stderr, `fastprop: error: …`, and
 * exits non-zero (2 for bad arguments, 1 for bad data and other failures, 130 after Ctrl-C).
 * Stack traces only with --debug.
 * @internal
 */
import { Command, CommanderError } from 'commander';
import { isFastpropError } from '../errors.ts';
import { benchCommand } from './bench.ts';
import { CliError, EXIT_FAILURE, EXIT_USAGE, oneLine } from './common.ts';
import { evaluateCommand } from './evaluate.ts';
import { infoCommand } from './info.ts';
import { predictCommand } from './predict.ts';
import { fastpropVersion } from './run-file.ts';
import { trainCommand } from './train.ts';

const debug = process.argv.includes('--debug');

/** Commander's own errors (unknown option, bad value) in our one-line form, and thrown, not exited. */
function configure(command: Command): Command {
  return command
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureOutput({ outputError: (text, write) => write(`fastprop: ${oneLine(text)}\n`) })
    .option('--debug', 'on an unexpected error, print its stack trace');
}

function program(): Command {
  const root = configure(new Command('fastprop'))
    .description('Train, evaluate and run dense neural networks (fastprop: backpropagation in C++ through Node-API).')
    .version(fastpropVersion(), '-v, --version', 'print the version')
    .addHelpText('after', '\nStart with `fastprop train` (MNIST digits, no data needed), or `fastprop <command> --help`.');
  for (const sub of [trainCommand(), evaluateCommand(), predictCommand(), infoCommand(), benchCommand()]) root.addCommand(configure(sub));
  return root;
}

function report(error: unknown): number {
  if (error instanceof CommanderError) {
    // Commander has already printed its message (or the help / version).
    if (error.exitCode === 0 || error.code === 'commander.help' || error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return error.exitCode;
    return EXIT_USAGE;
  }
  if (error instanceof CliError) {
    process.stderr.write(`fastprop: error: ${oneLine(error.message)}\n`);
    return error.exitCode;
  }
  if (isFastpropError(error)) {
    process.stderr.write(`fastprop: error: ${oneLine(error.message)}\n`);
    if (debug && error.stack) process.stderr.write(`${error.stack}\n`);
    return EXIT_FAILURE;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`fastprop: error: ${oneLine(message)}${debug ? '' : ' (unexpected; rerun with --debug for the stack trace)'}\n`);
  if (debug && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  return EXIT_FAILURE;
}

// A promise chain, not top-level await: nothing in fastprop uses top-level await (see README, CommonJS).
program().parseAsync(process.argv).catch((error: unknown) => {
  process.exitCode = report(error);
});
