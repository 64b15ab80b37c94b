import { createRequire } from 'node:module'

/** The operations of the `secp256k1` package (libsecp256k1 bindings) this project uses. */
interface NativeSecp256k1 {
  ecdsaRecover(sig: Uint8Array, recid: number, msg32: Uint8Array, compressed: boolean): Uint8Array
  ecdsaSign(msg32: Uint8Array, privateKey: Uint8Array): { signature: Uint8Array; recid: number }
}

const load = (): NativeSecp256k1 | undefined => {
  try {
    const m = createRequire(import.meta.url)('secp256k1') as NativeSecp256k1
    // The package silently falls back to pure JS (elliptic) when its prebuilt binding does not
    // load; that fallback is slower than ethers, so only the native build is worth using.
    return m && typeof m.ecdsaRecover === 'function' ? m : undefined
  } catch {
    return undefined
  }
}

/**
 * libsecp256k1 (prebuilt binary in the `secp256k1` npm package) when it loads, else undefined and
 * callers use ethers' pure-JS curve. Recovery is ~50x and signing ~10x faster natively, and the
 * aggregator recovers one signature per attestation, the attester signs one per message: on a
 * burst these dominated the relayer's CPU. Results are identical (RFC 6979, low s).
 */
export const nativeSecp256k1: NativeSecp256k1 | undefined = load()
