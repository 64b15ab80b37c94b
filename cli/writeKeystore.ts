import { writeFileSync } from 'node:fs'
import { Wallet } from 'ethers'
import { KeyInvalidError } from '../errors.js'

/** The env var `isthmus keys new` and `isthmus init` read the keystore password from by default. */
export const DEFAULT_PASSWORD_ENV = 'ISTHMUS_KEYSTORE_PASSWORD'

/**
 * The keystore password from the named env var.
 * @throws KeyInvalidError when it is unset or shorter than 8 characters
 */
export const keystorePasswordFrom = (env: NodeJS.ProcessEnv, envName: string): string => {
  const password = env[envName]
  if (!password || password.length < 8)
    throw new KeyInvalidError({ source: `env ${envName}`, expected: 'a keystore password of at least 8 characters' })
  return password
}

/**
 * Create a fresh secp256k1 key and write it only as an encrypted keystore (Web3 Secret Storage v3,
 * scrypt) with mode 0600, refusing to overwrite. Returns the address and the private key's
 * 32 bytes never leave this function except inside the encrypted file.
 */
export const writeNewKeystore = async (
  path: string,
  password: string,
): Promise<{ address: string; publicKey: string }> => {
  const wallet = Wallet.createRandom()
  writeFileSync(path, await wallet.encrypt(password), { mode: 0o600, flag: 'wx' })
  return { address: wallet.address.toLowerCase(), publicKey: wallet.signingKey.compressedPublicKey }
}

/**
 * Encrypt a given 32-byte secret (e.g. an sr25519 seed) into the same keystore format, so
 * `resolvePrivateKey({ keystore, passwordEnv })` returns it.
 */
export const writeSecretKeystore = async (path: string, password: string, secret: string): Promise<void> => {
  writeFileSync(path, await new Wallet(secret).encrypt(password), { mode: 0o600, flag: 'wx' })
}
