import { Keyring } from '@polkadot/api'
import type { KeyringPair } from '@polkadot/keyring/types'
import { hexToU8a } from '@polkadot/util'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { KeyInvalidError } from '../../../errors.js'

/**
 * An sr25519 key from a 32-byte seed (what `resolvePrivateKey` returns for a Substrate chain's
 * `signer`) or from a secret URI / mnemonic.
 * @throws KeyInvalidError
 */
export const sr25519Signer = async (secret: string, source = 'substrate signer'): Promise<KeyringPair> => {
  await cryptoWaitReady()
  const keyring = new Keyring({ type: 'sr25519' })
  try {
    return /^0x[0-9a-fA-F]{64}$/.test(secret) ? keyring.addFromSeed(hexToU8a(secret)) : keyring.addFromUri(secret)
  } catch (cause) {
    throw new KeyInvalidError({ source, expected: 'a 32-byte sr25519 seed or a secret URI', cause })
  }
}
