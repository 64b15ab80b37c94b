import type { ApiChain, ApiSetup } from '../../../api/apiChains.js'
import { assetIdOf, resolveAssets } from '../../../api/resolveAssets.js'
import { AssetsResponseSchema } from '../../../api/schemas.js'
import type { ChainRef, Hex } from '../../../types.js'
import { captureLogger } from '../../harness/captureLogger.js'

const HOME_TOKEN: Hex = `0x${'5f'.repeat(20)}`
const A = 'evm:31337' as ChainRef
const FAB = 'fabric:isthmus' as ChainRef
const OTHER_FAB = 'fabric:other' as ChainRef

const evm = (ref: ChainRef, domain: number): ApiChain => ({
  ref,
  kind: 'evm',
  domain,
  bridge: `0x${'00'.repeat(20)}`,
  finality: { mode: 'finalized-tag' },
  destinationConfirmations: 1,
})
const fabric = (ref: ChainRef, domain: number, assetIds: Hex[]): ApiChain => ({
  ref,
  kind: 'fabric',
  domain,
  bridge: 'isthmus/bridge',
  finality: { mode: 'finalized-tag' },
  destinationConfirmations: 1,
  fabric: { channel: 'isthmus', chaincode: 'bridge', batchTimeoutMs: 250, assetIds },
})

describe('resolveAssets (GET /v1/assets)', () => {
  it('lists the Fabric representation of an asset the chaincode carries, and the routes through it', async () => {
    const assetId = assetIdOf(1, HOME_TOKEN)
    const setup: ApiSetup = {
      chains: [evm(A, 1), fabric(FAB, 3, [assetId]), fabric(OTHER_FAB, 4, [])],
      routes: [
        { from: A, to: FAB },
        { from: FAB, to: A },
        { from: A, to: OTHER_FAB },
      ],
      assets: [{ symbol: 'IST', decimals: 18, home: { chain: A, address: HOME_TOKEN } }],
    }
    const assets = await resolveAssets(setup, captureLogger('fatal').log)
    AssetsResponseSchema.parse({ assets })
    expect(assets).toEqual([
      {
        assetId,
        symbol: 'IST',
        decimals: 18,
        home: { chain: A, domain: 1, address: HOME_TOKEN },
        representations: [
          { chain: A, domain: 1, address: HOME_TOKEN, kind: 'native' },
          { chain: FAB, domain: 3, address: assetId, kind: 'wrapped' },
        ],
        // The chain that does not carry it (OTHER_FAB) is no route for it.
        routes: [
          { from: A, to: FAB },
          { from: FAB, to: A },
        ],
      },
    ])
  })
})
