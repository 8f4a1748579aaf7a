// Preloaded with --import: writes this process's peak resident set (KB) to $BENCH_RSS_FILE when it exits.
import {writeFileSync} from 'node:fs'

if (process.env.BENCH_RSS_FILE) {
  process.on('exit', () => writeFileSync(process.env.BENCH_RSS_FILE, String(process.resourceUsage().maxRSS)))
}
