/** A progress indicator on stderr: a spinner line on a terminal, one line per update otherwise. */
export interface Progress {
  /** Show a new step. */
  update(text: string): void
  /** End with a final line (the spinner stops). */
  done(text: string): void
  stop(): void
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏']

/** `quiet` prints nothing (e.g. `--json` runs that want a silent stderr still get errors). */
export const createProgress = (
  stream: NodeJS.WritableStream & { isTTY?: boolean },
  o: { quiet?: boolean } = {},
): Progress => {
  if (o.quiet) return { update: () => {}, done: () => {}, stop: () => {} }
  const started = Date.now()
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)}s`
  if (!stream.isTTY) {
    return {
      update: (t) => stream.write(`[${elapsed()}] ${t}\n`),
      done: (t) => stream.write(`[${elapsed()}] ${t}\n`),
      stop: () => {},
    }
  }
  let text = ''
  let frame = 0
  const draw = () => stream.write(`\r\x1b[2K${FRAMES[frame++ % FRAMES.length]} ${text} (${elapsed()})`)
  const timer = setInterval(draw, 100)
  timer.unref()
  const stop = () => clearInterval(timer)
  return {
    update: (t) => {
      text = t
      draw()
    },
    done: (t) => {
      stop()
      stream.write(`\r\x1b[2K✔ ${t} (${elapsed()})\n`)
    },
    stop: () => {
      stop()
      stream.write('\r\x1b[2K')
    },
  }
}
