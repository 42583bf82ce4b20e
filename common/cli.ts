// The convention every command of the project follows: options parsed strictly with node:util
// parseArgs, `--help` / `-h` prints the usage on stdout and exits 0; a usage error (unknown
// option, missing or bad value) prints the message and the usage on stderr and exits 2; any other
// failure prints `<command>: <message>` and exits 1.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { loadStackConfig, type StackConfig } from './config.js';

/**
 * A problem the caller can fix (how the command was called, or a missing prerequisite): exit 2, with
 * the usage unless `showUsage` is false.
 */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly showUsage = true,
  ) {
    super(message);
  }
}

export interface Command {
  name: string;
  usage: string;
}

const HELP = { help: { type: 'boolean', short: 'h' } } as const;

/** Where a command finds the stack: the same three options everywhere (each defaults as in config.ts). */
export const STACK_DIR_OPTIONS = {
  'config-dir': { type: 'string' },
  'certs-dir': { type: 'string' },
  'data-dir': { type: 'string' },
} as const;

export function stackConfigFrom(values: { 'config-dir'?: string; 'certs-dir'?: string; 'data-dir'?: string }): StackConfig {
  return loadStackConfig({ configDir: values['config-dir'], certsDir: values['certs-dir'], dataDir: values['data-dir'] });
}

/** Parses argv (default: this process's) strictly; answers --help itself. */
export function parseCommandLine<const T extends Omit<ParseArgsConfig, 'args' | 'strict'>>(command: Command, config: T, argv = process.argv.slice(2)) {
  const parse = () => parseArgs({ ...config, options: { ...config.options, ...HELP }, args: argv.filter((a) => a !== '--'), strict: true });
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse();
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if ((parsed.values as { help?: boolean }).help) {
    process.stdout.write(`${command.usage}\n`);
    process.exit(0);
  }
  return parsed;
}

/** Runs `main` and exits: its code (default 0), 2 for a UsageError, 1 for anything else. */
export function runCommand(command: Command, main: () => Promise<unknown>): void {
  main().then(
    (code) => process.exit(typeof code === 'number' ? code : 0),
    (err: unknown) => {
      const usage = err instanceof UsageError;
      const showUsage = usage && err.showUsage;
      process.stderr.write(`${command.name}: ${err instanceof Error ? err.message : String(err)}${showUsage ? `\n${command.usage}` : ''}\n`);
      process.exit(usage ? 2 : 1);
    },
  );
}

/** A whole command: its name, usage and options, and what it does with them (parse + run above). */
export function command<const T extends Omit<ParseArgsConfig, 'args' | 'strict'>>(
  spec: Command & T,
  run: (parsed: ReturnType<typeof parseCommandLine<T>>) => Promise<unknown>,
): void {
  const { name, usage, ...config } = spec;
  runCommand({ name, usage }, async () => run(parseCommandLine({ name, usage }, config as unknown as T)));
}
