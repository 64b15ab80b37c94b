// Runs `isthmus <argv…>` in this process: what the devnet spawns for each relayer (`start`), from
// source under tsx or from dist/ (bin/isthmus.mjs is the user-facing entry).
import { main } from '../main.js'

const run = async (): Promise<void> => {
  process.exitCode = await main(process.argv.slice(2))
}
void run()
