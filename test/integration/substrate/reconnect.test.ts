import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net'
import { u8aToHex } from '@polkadot/util'
import { decodeAddress } from '@polkadot/util-crypto'
import type { Subscription } from 'rxjs'
import {
  createSubstrateAdapter,
  type SubstrateChainAdapter,
} from '../../../adapters/substrate/createSubstrateAdapter.js'
import type { SourceBatch } from '../../../adapters/types.js'
import { WaitTimeoutError } from '../../../errors.js'
import { encodeIntent } from '../../../proofs/substrate/intent/decodeIntent.js'
import { encodeAppBody } from '../../../protocol/index.js'
import type { Hex } from '../../../types.js'
import { captureLogger } from '../../harness/captureLogger.js'
import { type ChopsticksFixture, useChopsticks } from '../../harness/chopsticks.js'

/** A loopback TCP proxy whose connections can be cut (and new ones refused) while the chain goes on. */
const startCutProxy = async (upstreamPort: number) => {
  const sockets = new Set<Socket>()
  let open = true
  const server: Server = createServer((client) => {
    if (!open) {
      client.destroy()
      return
    }
    const up = tcpConnect(upstreamPort, '127.0.0.1')
    sockets.add(client)
    sockets.add(up)
    const done = () => {
      client.destroy()
      up.destroy()
      sockets.delete(client)
      sockets.delete(up)
    }
    client.on('error', done).on('close', done)
    up.on('error', done).on('close', done)
    client.pipe(up)
    up.pipe(client)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as { port: number }).port
  return {
    url: `ws://127.0.0.1:${port}`,
    cut: () => {
      open = false
      for (const s of sockets) s.destroy()
    },
    restore: () => {
      open = true
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy()
        server.close(() => r())
      }),
  }
}

describe('Substrate source: a dropped connection is reconnected and the missed blocks are backfilled (F-09)', () => {
  let f: ChopsticksFixture
  useChopsticks((x) => {
    f = x
  })

  it('scans every block built while the WebSocket was cut, in order, with the intent in them', async () => {
    const proxy = await startCutProxy(f.chain.port)
    const { log } = captureLogger('warn')
    const committee = u8aToHex(decodeAddress(f.dave.address)) as Hex
    const adapter: SubstrateChainAdapter = createSubstrateAdapter(
      {
        chain: 'substrate:asset-hub-local',
        domain: 3,
        wsUrls: [proxy.url],
        genesisHash: f.chain.genesisHash,
        committeeAccount: committee,
        commitments: 'chopsticks',
        pollIntervalMs: 100,
        requestTimeoutMs: 2_000,
        rpcBackoffMaxMs: 500,
      },
      { log },
    )
    const batches: SourceBatch[] = []
    let failed: unknown
    const start = BigInt(await f.chain.headNumber()) + 1n
    const sub: Subscription = adapter.observe$(start).subscribe({
      next: (b) => batches.push(b),
      error: (e) => {
        failed = e
      },
    })
    const waitFor = async (ok: () => boolean, what: string) => {
      const deadline = Date.now() + 30_000
      while (!ok()) {
        if (failed) throw failed
        if (Date.now() > deadline) throw new WaitTimeoutError({ what, timeoutMs: 30_000 })
        await new Promise((r) => setTimeout(r, 100))
      }
    }
    try {
      await f.chain.newBlock()
      await waitFor(() => batches.some((b) => b.toBlock >= start), 'the first block')
      proxy.cut()
      // While cut: an intent, then several blocks in one dev_newBlock call.
      await f.api.tx.utility!.batchAll!([
        f.api.tx.system!.remarkWithEvent!(
          encodeIntent({
            destination: 1,
            recipient: `0x${'00'.repeat(12)}${'cd'.repeat(20)}`,
            body: encodeAppBody('0x01'),
          }),
        ),
      ]).signAndSend(f.alice, { nonce: -1 })
      await f.chain.newBlock(4)
      const last = BigInt(await f.chain.headNumber())
      await new Promise((r) => setTimeout(r, 1_500))
      expect(batches.every((b) => b.toBlock < last)).toBe(true)
      proxy.restore()
      await waitFor(() => batches.some((b) => b.toBlock >= last), 'the blocks built during the cut')
      let next = start
      for (const b of batches) {
        expect(b.fromBlock).toBe(next)
        next = b.toBlock + 1n
      }
      const msgs = batches.flatMap((b) => b.messages)
      expect(msgs).toHaveLength(1)
      expect(msgs[0]!.source.blockNumber).toBe(start + 1n)
      expect(failed).toBeUndefined()
    } finally {
      sub.unsubscribe()
      await adapter.close()
      await proxy.close()
    }
  }, 90_000)
})
