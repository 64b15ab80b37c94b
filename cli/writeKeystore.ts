import { writeFileSync } from 'node:fs'
import { type BaseWallet, encryptKeystoreJson, Wallet } from 'ethers'
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
 * scrypt) with mode 0600, refusing to overwrite. Returns the address; the private key never leaves
 * this function except inside the encrypted file.
 */
export const writeNewKeystore = async (
  path: string,
  password: string,
  scryptN?: number,
): Promise<{ address: string; publicKey: string }> => {
  const wallet = Wallet.createRandom()
  writeFileSync(path, await encrypt(wallet, password, scryptN), { mode: 0o600, flag: 'wx' })
  return { address: wallet.address.toLowerCase(), publicKey: wallet.signingKey.compressedPublicKey }
}

/**
 * Encrypt a given 32-byte secret (e.g. an sr25519 seed) into the same keystore format, so
 * `resolvePrivateKey({ keystore, passwordEnv })` returns it.
 */
export const writeSecretKeystore = async (
  path: string,
  password: string,
  secret: string,
  scryptN?: number,
): Promise<void> => {
  writeFileSync(path, await encrypt(new Wallet(secret), password, scryptN), { mode: 0o600, flag: 'wx' })
}

/** ethers' default scrypt cost (N = 2^17) unless a lower one is asked for (devnets, tests). */
const encrypt = (w: BaseWallet, password: string, scryptN: number | undefined): Promise<string> =>
  scryptN === undefined
    ? encryptKeystoreJson({ address: w.address, privateKey: w.privateKey }, password)
    : encryptKeystoreJson({ address: w.address, privateKey: w.privateKey }, password, {
        scrypt: { N: scryptN, r: 8, p: 1 },
      })
