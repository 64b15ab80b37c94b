import { ApiPromise, Keyring, WsProvider } from '@polkadot/api'
import type { KeyringPair } from '@polkadot/keyring/types'
import { hexToU8a } from '@polkadot/util'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { KeyInvalidError } from '../../../errors.js'
import {
  createSubstrateDestination,
  type SubstrateDestination,
  type SubstrateDestinationOptions,
} from './createSubstrateDestination.js'

/**
 * The relayer's sr25519 delivery key from a 32-byte seed (what `resolvePrivateKey` returns for the
 * chain's `signer`), or from a secret URI / mnemonic.
 * @throws KeyInvalidError
 */
export const sr25519Signer = async (secret: string): Promise<KeyringPair> => {
  await cryptoWaitReady()
  const keyring = new Keyring({ type: 'sr25519' })
  try {
    return /^0x[0-9a-fA-F]{64}$/.test(secret) ? keyring.addFromSeed(hexToU8a(secret)) : keyring.addFromUri(secret)
  } catch (cause) {
    throw new KeyInvalidError({ source: 'substrate signer', expected: 'a 32-byte sr25519 seed or a secret URI', cause })
  }
}

export interface ConnectSubstrateDestinationOptions extends Omit<SubstrateDestinationOptions, 'api'> {
  /** Endpoints in order of preference (the provider moves on when a connection drops). */
  wsUrls: string[]
}

/**
 * The Substrate destination on its own `@polkadot/api` connection (it decodes events, builds calls and
 * signs with the runtime's metadata). Synchronous: the connection is made in the background and every
 * method waits for it; `close` disconnects.
 * @example
 * const dest = connectSubstrateDestination({ ...options, wsUrls: ['ws://127.0.0.1:9944'] })
 * await dest.committee(); await dest.close()
 */
export const connectSubstrateDestination = (
  o: ConnectSubstrateDestinationOptions,
): SubstrateDestination & { close(): Promise<void> } => {
  const provider = new WsProvider(o.wsUrls, 500)
  const api = new ApiPromise({ provider, noInitWarn: true })
  api.on('error', (err: unknown) => o.log.debug({ err: String(err), chain: o.chain }, 'substrate destination ws error'))
  const dest = createSubstrateDestination({ ...o, api })
  return { ...dest, close: () => api.disconnect() }
}
