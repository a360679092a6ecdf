// The `simulate` and `replay` commands (dispatched from src/cli/main.ts). Work in progress:
// the full commands land with the simulator.
export interface CliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

export async function runSimulate(argv: string[], io: CliIo): Promise<number> {
  if (argv.includes('--help')) {
    io.stdout('usage: adaptive-threads simulate --scenario S --law L [--seed N] [--minutes M] [--out chart.svg]\n');
    return 0;
  }
  io.stderr('simulate: not implemented yet\n');
  return 1;
}

export async function runReplay(argv: string[], io: CliIo): Promise<number> {
  if (argv.includes('--help')) {
    io.stdout('usage: adaptive-threads replay FILE.ndjson --law L\n');
    return 0;
  }
  io.stderr('replay: not implemented yet\n');
  return 1;
}
