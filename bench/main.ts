/** `npm run bench -- …` (bench/run.ts; the CLI's `ptychopinn bench` runs the same). */
import { runBench } from './run';

const argv = process.argv.slice(2);
const json = argv.includes('--json');
runBench(argv, (line) => (json ? process.stderr.write(line + '\n') : console.log(line))).then(
  (r) => {
    process.stdout.write((json ? JSON.stringify(r) : JSON.stringify(r, null, 2)) + '\n');
    process.exit(0);
  },
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
