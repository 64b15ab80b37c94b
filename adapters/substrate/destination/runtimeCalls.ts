import type { ApiPromise } from '@polkadot/api'
import type { ApiDecoration, SubmittableExtrinsicFunction } from '@polkadot/api/types'
import type { Codec } from '@polkadot/types/types'
import { ConfigInvalidError } from '../../../errors.js'

const missing = (kind: string, pallet: string, item: string) =>
  new ConfigInvalidError({
    source: 'substrate runtime',
    issues: [
      { path: `${pallet}.${item}`, message: `the runtime has no ${kind} ${pallet}.${item} (stock pallets required)` },
    ],
  })

/** A runtime call by pallet and name (the metadata decides what exists; no generated types).
 * @throws ConfigInvalidError when the runtime lacks it */
export const txOf = (api: ApiPromise, pallet: string, method: string): SubmittableExtrinsicFunction<'promise'> => {
  const f = api.tx[pallet]?.[method]
  if (!f) throw missing('call', pallet, method)
  return f
}

/** A storage query by pallet and item, at a block (`api.at(hash)`) or at the head (`api`).
 * @throws ConfigInvalidError when the runtime lacks it */
export const queryOf = (
  at: ApiDecoration<'promise'> | ApiPromise,
  pallet: string,
  item: string,
): ((...args: unknown[]) => Promise<Codec>) => {
  const f = at.query[pallet]?.[item]
  if (!f) throw missing('storage item', pallet, item)
  return f as unknown as (...args: unknown[]) => Promise<Codec>
}
