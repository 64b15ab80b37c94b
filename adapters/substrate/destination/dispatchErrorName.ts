import type { ApiPromise } from '@polkadot/api'
import type { DispatchError } from '@polkadot/types/interfaces'

/** `pallet.Error` for a module error (e.g. `multisig.NoTimepoint`), else the error kind (`Token.FundsUnavailable`). */
export const dispatchErrorName = (api: ApiPromise, e: DispatchError): string => {
  if (e.isModule) {
    try {
      const m = api.registry.findMetaError(e.asModule)
      return `${m.section}.${m.name}`
    } catch {
      return `module(${e.asModule.index.toString()},${e.asModule.error.toHex()})`
    }
  }
  const inner = (e as unknown as Record<string, unknown>)[`as${e.type}`]
  return inner && typeof (inner as { type?: unknown }).type === 'string'
    ? `${e.type}.${(inner as { type: string }).type}`
    : e.type
}
