import { createInterface } from 'node:readline/promises'
import { Writable } from 'node:stream'

/** Questions asked on a terminal (or any stream pair), one line per answer. */
export interface Prompter {
  /** Ask until `check` accepts the answer (an empty answer takes `fallback`); `check` returns an error text or undefined. */
  ask(question: string, fallback: string, check?: (answer: string) => string | undefined): Promise<string>
  /** Ask without echoing what is typed (passwords). */
  askSecret(question: string): Promise<string>
  close(): void
}

/** A prompter over node:readline; writes questions to `output` (stderr: stdout stays for results). */
export const createPrompter = (
  input: NodeJS.ReadableStream & { isTTY?: boolean },
  output: NodeJS.WritableStream,
): Prompter => {
  let isMuted = false
  // Echo goes through this stream so a secret answer is not shown; the question itself is written directly.
  const echo = new Writable({
    write(chunk, _enc, done) {
      if (!isMuted) output.write(chunk)
      done()
    },
  })
  const rl = createInterface({ input, output: echo, terminal: input.isTTY === true })
  // Lines that arrive before a question is asked are kept for it (piped answers come all at once).
  const lines: string[] = []
  const waiting: ((l: string | undefined) => void)[] = []
  let isClosed = false
  rl.on('line', (l) => {
    const w = waiting.shift()
    if (w) w(l)
    else lines.push(l)
  })
  rl.on('close', () => {
    isClosed = true
    for (const w of waiting.splice(0)) w(undefined)
  })
  const nextLine = (): Promise<string | undefined> => {
    const l = lines.shift()
    if (l !== undefined || isClosed) return Promise.resolve(l)
    return new Promise((r) => waiting.push(r))
  }
  const ask: Prompter['ask'] = async (question, fallback, check) => {
    for (let attempt = 0; attempt < 5; attempt++) {
      output.write(`${question}${fallback ? ` [${fallback}]` : ''}: `)
      const line = await nextLine()
      if (line === undefined) {
        output.write('\n')
        return fallback
      }
      const answer = line.trim() || fallback
      const problem = check?.(answer)
      if (!problem) return answer
      output.write(`  ${problem}\n`)
    }
    return fallback
  }
  return {
    ask,
    askSecret: async (question) => {
      output.write(`${question}: `)
      isMuted = true
      try {
        return (await nextLine()) ?? ''
      } finally {
        isMuted = false
        output.write('\n')
      }
    },
    close: () => rl.close(),
  }
}
