import { keccak256, solidityPacked } from 'ethers'
import { encodeMessage, messageId } from '../../protocol/index.js'
import type { Message } from '../../types.js'
import type { BenchEntry, BenchModule } from './types.js'

// Message ids per second: protocol/ against ethers' generic solidityPacked + keccak (baseline).
const perSecond = (fn: () => void, ms: number): number => {
  let n = 0
  const t0 = performance.now()
  while (performance.now() - t0 < ms) {
    for (let i = 0; i < 200; i++) fn()
    n += 200
  }
  return (n * 1000) / (performance.now() - t0)
}

const bench: BenchModule = {
  title: 'message codec',
  run: async (): Promise<BenchEntry[]> => {
    const m: Message = {
      version: 1,
      nonce: 42n,
      origin: 1,
      sender: `0x${'11'.repeat(32)}`,
      destination: 2,
      recipient: `0x${'22'.repeat(32)}`,
      body: `0x01${'33'.repeat(96)}`,
    }
    const baseline = perSecond(
      () =>
        keccak256(
          solidityPacked(
            ['uint8', 'uint64', 'uint32', 'bytes32', 'uint32', 'bytes32', 'bytes'],
            [m.version, m.nonce, m.origin, m.sender, m.destination, m.recipient, m.body],
          ),
        ),
      1500,
    )
    const ours = perSecond(() => messageId(m), 1500)
    const enc = perSecond(() => encodeMessage(m), 1000)
    return [
      {
        name: 'message id (encode + keccak), 97-byte transfer body',
        value: ours,
        unit: 'ids/s',
        betterWhen: 'higher',
        baseline: { name: 'ethers solidityPacked + keccak256', value: baseline },
        ratio: ours / baseline,
        conditions: `single thread, node ${process.version}`,
      },
      {
        name: 'message encode only',
        value: enc,
        unit: 'msgs/s',
        betterWhen: 'higher',
        baseline: null,
        ratio: null,
        conditions: `single thread, node ${process.version}`,
      },
    ]
  },
}
export default bench
