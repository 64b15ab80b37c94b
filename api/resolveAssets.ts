import { keccak256, solidityPacked } from 'ethers'
import type { Logger } from 'pino'
import { addressToBytes32 } from '../protocol/index.js'
import type { ChainRef, Hex } from '../types.js'
import type { ApiSetup } from './apiChains.js'
import type { AssetsResponse } from './schemas.js'

type Asset = AssetsResponse['assets'][number]

/** keccak256("ISTHMUS/asset" ‖ uint32 homeDomain ‖ bytes32 homeToken), as AssetRegistry.sol computes it. */
export const assetIdOf = (homeDomain: number, homeToken: Hex): Hex =>
  keccak256(
    solidityPacked(['string', 'uint32', 'bytes32'], ['ISTHMUS/asset', homeDomain, addressToBytes32(homeToken)]),
  ) as Hex

/**
 * The registered assets: each configured asset with its home token and, on every other EVM chain
 * whose bridge has the asset registered (`assetOf`), its wrapped token (on a Substrate chain: its
 * `assets`-pallet id from the config's asset routes; on a Fabric chain: the asset id, the chaincode
 * ledger's key); routes are the configured
 * routes between chains that both hold it. A chain that does not answer is left out (logged).
 */
export const resolveAssets = async (setup: ApiSetup, log: Logger): Promise<Asset[]> => {
  const byRef = new Map(setup.chains.map((c) => [c.ref, c]))
  return Promise.all(
    setup.assets.flatMap((a) => {
      const home = byRef.get(a.home.chain)
      if (!home) return []
      const assetId = assetIdOf(home.domain, a.home.address)
      return [
        (async (): Promise<Asset> => {
          const wrapped = await Promise.all(
            setup.chains
              .filter((c) => c.ref !== home.ref && c.reader)
              .map(async (c) => {
                try {
                  const found = await c.reader!.assetOf(assetId)
                  return found?.kind === 'wrapped'
                    ? [{ chain: c.ref, domain: c.domain, address: found.token, kind: 'wrapped' as const }]
                    : []
                } catch (err) {
                  log.warn({ err, chain: c.ref, assetId }, 'asset registry unavailable')
                  return []
                }
              }),
          )
          // Substrate chains: the config's asset routes (an `assets`-pallet id, or `native` for the chain's own balance).
          const onSubstrate = setup.chains.flatMap((c) => {
            const r = c.ref === home.ref ? undefined : c.substrate?.assets.find((x) => x.assetId === assetId)
            if (!r) return []
            return [
              {
                chain: c.ref,
                domain: c.domain,
                address: r.kind === 'native' ? 'native' : String(r.assetHubId),
                kind: r.kind === 'wrapped' ? ('wrapped' as const) : ('native' as const),
              },
            ]
          })
          // Fabric chains: the bridge chaincode's ledger keys balances by asset id (every configured asset
          // is registered at its initialization); the API holds no Fabric identity to read it.
          const onFabric = setup.chains.flatMap((c) =>
            c.ref !== home.ref && c.fabric?.assetIds.includes(assetId.toLowerCase() as Hex)
              ? [{ chain: c.ref, domain: c.domain, address: assetId.toLowerCase(), kind: 'wrapped' as const }]
              : [],
          )
          const representations = [
            { chain: home.ref, domain: home.domain, address: a.home.address, kind: 'native' as const },
            ...wrapped.flat(),
            ...onSubstrate,
            ...onFabric,
          ]
          const held = new Set<ChainRef>(representations.map((r) => r.chain as ChainRef))
          return {
            assetId,
            symbol: a.symbol,
            decimals: a.decimals,
            home: { chain: home.ref, domain: home.domain, address: a.home.address },
            representations,
            routes: setup.routes.filter((r) => held.has(r.from) && held.has(r.to)),
          }
        })(),
      ]
    }),
  )
}
