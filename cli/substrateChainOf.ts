import { type ApiPromise, Keyring } from '@polkadot/api'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import type { Logger } from 'pino'
import { connectSubstrateApi } from '../adapters/substrate/connectSubstrateApi.js'
import { createSubstrateAdapter } from '../adapters/substrate/createSubstrateAdapter.js'
import { committeeMultisig } from '../adapters/substrate/destination/committeeMultisig.js'
import { createSubstrateDestination } from '../adapters/substrate/destination/createSubstrateDestination.js'
import type { SubstrateAssetRoute } from '../adapters/substrate/destination/types.js'
import type { Config, SubstrateChainConfig } from '../config/index.js'
import { KeyInvalidError } from '../errors.js'
import { initSubstrateCrypto } from '../proofs/index.js'
import type { RelayerChain } from '../relayer/index.js'
import type { ChainRef, Hex } from '../types.js'

/**
 * A Substrate chain for the relayer: the source (finalized-head follower, intent rules) and the
 * committee-multisig destination, sharing the config's endpoints; trust anchors for its bundles come
 * from the config and from the adapter's own endpoint (metadata), never from a bundle.
 * @throws KeyInvalidError (signer seed), ConfigInvalidError (committee accounts), RpcTimeoutError
 */
export const substrateChainOf = async (
  cfg: Config,
  c: SubstrateChainConfig,
  signerSeed: Hex,
  log: Logger,
): Promise<RelayerChain> => {
  await cryptoWaitReady()
  // The wasm blake2 for this chain's bundle checks (same results, faster than pure JS).
  await initSubstrateCrypto()
  const members = cfg.committee.members
  const multisig = committeeMultisig(
    members.map((m) => m.substrateAccount ?? ''),
    cfg.committee.threshold,
  )
  let signer: ReturnType<Keyring['addFromUri']>
  try {
    signer = new Keyring({ type: 'sr25519' }).addFromUri(signerSeed)
  } catch (cause) {
    throw new KeyInvalidError({ source: `chains ${c.ref} signer`, expected: 'a 32-byte sr25519 seed', cause })
  }
  const assets: SubstrateAssetRoute[] = c.assets.map((a) =>
    a.kind === 'native'
      ? { assetId: a.assetId.toLowerCase() as Hex, kind: 'native' }
      : { assetId: a.assetId.toLowerCase() as Hex, kind: a.kind, assetHubId: a.assetHubId },
  )
  const wrappedAssets = Object.fromEntries(
    c.assets.flatMap((a) => (a.kind === 'wrapped' ? [[String(a.assetHubId), a.assetId.toLowerCase() as Hex]] : [])),
  )
  const chain = c.ref as ChainRef
  const api = await connectSubstrateApi(chain, [...c.wsUrls], cfg.requestTimeoutMs)
  try {
    return buildAdapter(api)
  } catch (e) {
    await api.disconnect().catch(() => {})
    throw e
  }
  function buildAdapter(api: ApiPromise): RelayerChain {
    const adapter = createSubstrateAdapter(
      {
        chain,
        domain: c.domain,
        wsUrls: [...c.wsUrls],
        genesisHash: c.genesisHash as Hex,
        committeeAccount: multisig.account,
        wrappedAssets,
        commitments: c.commitments,
        pollIntervalMs: c.pollIntervalMs,
        maxBlocksPerBatch: c.maxBlocksPerBatch,
        requestTimeoutMs: cfg.requestTimeoutMs,
      },
      {
        log,
        destination: ({ log: dlog }) => {
          const dest = createSubstrateDestination({
            chain,
            domain: c.domain,
            api,
            genesisHash: c.genesisHash as Hex,
            signer,
            committee: {
              epoch: cfg.committee.epoch,
              threshold: cfg.committee.threshold,
              attestationSigners: members.map((m) => m.address as Hex),
              substrateAccounts: members.map((m) => m.substrateAccount ?? ''),
            },
            assets,
            log: dlog,
            startBlock: c.startBlock,
            approvalWaitMs: c.approvalWaitMs,
            txTimeoutMs: c.txTimeoutMs,
            pollIntervalMs: Math.min(c.pollIntervalMs, 500),
          })
          return {
            committee: () => dest.committee(),
            deliver: (items) => dest.deliver(items),
            deliverProgress$: (items) => dest.deliverProgress$(items),
            release: (m) => dest.release(m),
            isDelivered: (id) => dest.isDelivered(id),
            close: async () => {
              await api.disconnect().catch(() => {})
            },
          }
        },
      },
    )
    return { adapter, startBlock: c.startBlock, trust: { substrate: adapter.substrateTrust } }
  }
}
