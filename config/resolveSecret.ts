import { readFileSync } from 'node:fs'
import { isAbsolute, join } from 'node:path'
import { Wallet } from 'ethers'
import { KeyInvalidError } from '../errors.js'
import type { SecretRef } from './schema.js'

const KEY_RE = /^0x[0-9a-fA-F]{64}$/

/**
 * Resolve a SecretRef to a 32-byte private key: from the named env var, or by decrypting a
 * keystore (Web3 Secret Storage JSON) with the password in the named env var. This and
 * loadConfig are the only readers of process env and files for configuration.
 * @throws KeyInvalidError naming the source (never the secret)
 */
export const resolvePrivateKey = async (ref: SecretRef, env: NodeJS.ProcessEnv, configDir: string): Promise<string> => {
  if ('env' in ref) {
    const v = env[ref.env]
    if (!v) throw new KeyInvalidError({ source: `env ${ref.env}`, expected: 'the variable to be set' })
    const k = v.startsWith('0x') ? v : `0x${v}`
    if (!KEY_RE.test(k)) throw new KeyInvalidError({ source: `env ${ref.env}`, expected: 'a 32-byte hex private key' })
    return k
  }
  const path = isAbsolute(ref.keystore) ? ref.keystore : join(configDir, ref.keystore)
  const password = env[ref.passwordEnv]
  if (password === undefined)
    throw new KeyInvalidError({ source: `env ${ref.passwordEnv}`, expected: 'the keystore password to be set' })
  let json: string
  try {
    json = readFileSync(path, 'utf8')
  } catch (cause) {
    throw new KeyInvalidError({ source: `keystore ${ref.keystore}`, expected: 'a readable keystore file', cause })
  }
  try {
    return (await Wallet.fromEncryptedJson(json, password)).privateKey
  } catch (cause) {
    throw new KeyInvalidError({
      source: `keystore ${ref.keystore}`,
      expected: 'a keystore that decrypts with the given password',
      cause,
    })
  }
}
