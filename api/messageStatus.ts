import type { Logger } from 'pino'
import type { Hex } from '../types.js'
import type { ApiChain, ApiSetup } from './apiChains.js'
import type { EventIndex } from './eventIndex.js'
import { partiesOfEncoded } from './fromRecord.js'
import type { IndexedMessage } from './indexedMessage.js'
import type { MessageView } from './schemas.js'
import { type WaitingContext, waitingForOf } from './waitingFor.js'

const LIVE_TTL_MS = 2_000

/** The JSON view of an indexed message (without `waitingFor`). */
export const toMessageView = (m: IndexedMessage, setup: ApiSetup): MessageView => {
  const from = setup.chains.find((c) => c.domain === m.origin)
  const to = setup.chains.find((c) => c.domain === m.destination)
  return {
    id: m.id,
    origin: m.origin,
    destination: m.destination,
    ...(from && to ? { route: { from: from.ref, to: to.ref } } : {}),
    nonce: m.nonce,
    ...(m.sender ? { sender: m.sender } : {}),
    ...(m.recipient ? { recipient: m.recipient } : {}),
    ...(m.transfer ? { transfer: m.transfer } : {}),
    status: m.status,
    stages: { ...m.stages },
    ...(m.source ? { source: m.source } : {}),
    ...(m.submission ? { submission: m.submission } : {}),
    ...(m.delivery ? { delivery: m.delivery } : {}),
    ...(m.attestations ? { attestations: m.attestations } : {}),
    ...(m.failure && (m.status === 'failed' || m.status === 'queued') ? { failure: m.failure } : {}),
  }
}

export interface MessageStatusReader {
  /** Status of one id: index, KV record, then the source chains' recent Dispatch logs. */
  get(id: Hex): Promise<MessageView | undefined>
  /** Add `waitingFor` to a view (reads destination facts, cached briefly). */
  withReason(m: IndexedMessage): Promise<MessageView>
}

/**
 * Message status with the reason it is not moving. Live facts (paused, rate-limit bucket, source
 * head) are read through the chain readers only when the status needs them, cached for 2 s.
 */
export const createMessageStatusReader = (o: {
  setup: ApiSetup
  index: EventIndex
  log: Logger
  dispatchLookbackBlocks: number
  now?: () => Date
}): MessageStatusReader => {
  const now = o.now ?? (() => new Date())
  const cache = new Map<string, { at: number; value: Promise<unknown> }>()
  const cached = <T>(key: string, read: () => Promise<T>): Promise<T | undefined> => {
    const hit = cache.get(key)
    const t = Date.now()
    if (hit && t - hit.at < LIVE_TTL_MS) return hit.value as Promise<T | undefined>
    if (cache.size > 1_000) cache.clear()
    const value = read().catch((err: unknown) => {
      o.log.debug({ err, key }, 'live chain fact unavailable')
      return undefined
    })
    cache.set(key, { at: t, value })
    return value
  }
  const chainOf = (domain: number): ApiChain | undefined => o.setup.chains.find((c) => c.domain === domain)
  const contextOf = async (m: IndexedMessage): Promise<WaitingContext> => {
    const ctx: WaitingContext = { now: now() }
    const dst = chainOf(m.destination)
    const r = dst?.reader
    if (!r) return ctx
    if (m.status === 'observed' || m.status === 'verified' || m.status === 'attested') {
      if (!m.attestations) {
        const t = await cached(`threshold:${dst.ref}`, () => r.threshold())
        if (t !== undefined) ctx.threshold = t
      }
    } else if (m.status === 'certified' || m.status === 'submitted' || m.status === 'failed') {
      const [paused, limit] = await Promise.all([
        cached(`paused:${dst.ref}`, () => r.paused()),
        m.transfer
          ? cached(`limit:${dst.ref}:${m.transfer.assetId}`, () => r.rateLimitOf(m.transfer!.assetId as Hex))
          : undefined,
      ])
      if (paused !== undefined) ctx.destinationPaused = paused
      if (limit) ctx.rateLimit = limit
    }
    return ctx
  }
  const withReason = async (m: IndexedMessage): Promise<MessageView> => {
    const view = toMessageView(m, o.setup)
    const w = waitingForOf(m, await contextOf(m))
    return w ? { ...view, waitingFor: w } : view
  }
  const fromSource = async (id: Hex): Promise<MessageView | undefined> => {
    for (const c of o.setup.chains) {
      if (!c.reader) continue
      const loc = await cached(`dispatch:${c.ref}:${id}`, () => c.reader!.findDispatch(id, o.dispatchLookbackBlocks))
      if (!loc) continue
      const head = await cached(`head:${c.ref}`, () => c.reader!.head('latest'))
      const need = c.finality.mode === 'confirmations' ? c.finality.confirmations : undefined
      const have = head ? Math.max(0, Number(head.number - loc.blockNumber) + 1) : 0
      let parties: Pick<IndexedMessage, 'sender' | 'recipient' | 'transfer'> = {}
      try {
        parties = partiesOfEncoded(loc.message)
      } catch (err) {
        o.log.debug({ err, id }, 'dispatch message undecodable')
      }
      const m: IndexedMessage = {
        id: id.toLowerCase(),
        origin: c.domain,
        destination: loc.destination,
        nonce: loc.nonce.toString(),
        status: 'dispatched',
        stages: { dispatched: new Date(Number(loc.timestamp) * 1000).toISOString() },
        seq: 0,
        source: { chain: c.ref, blockNumber: loc.blockNumber.toString(), txHash: loc.txHash.toLowerCase() },
        ...parties,
      }
      const view = toMessageView(m, o.setup)
      const w = waitingForOf(m, { now: now(), ...(need === undefined ? {} : { finality: { have, need } }) })
      return { ...view, ...(w ? { waitingFor: w } : {}) }
    }
    return undefined
  }
  return {
    withReason,
    get: async (id) => {
      const m = await o.index.get(id)
      if (m) return withReason(m)
      return fromSource(id)
    },
  }
}
