import { blake2b } from '@noble/hashes/blake2.js'
import { Metadata, TypeRegistry } from '@polkadot/types'
import { InvalidProofError } from '../../../errors.js'
import { bytesToHex, hexToBytes } from '../../../protocol/index.js'
import type { Hex } from '../../../types.js'

const MAX_CACHED = 8
const cache = new Map<string, TypeRegistry>()

/** blake2-256 of the metadata bytes: how a bundle names the metadata it was decoded with. */
export const metadataHash = (metadata: Hex | Uint8Array): Hex =>
  bytesToHex(blake2b(typeof metadata === 'string' ? hexToBytes(metadata, 'metadata') : metadata, { dkLen: 32 }))

/**
 * A type registry for one runtime's metadata (SCALE hex from `state_getMetadata`), memoised by the
 * metadata hash (decoding metadata takes tens of milliseconds). Pure: the same bytes give the same registry.
 * @throws InvalidProofError MALFORMED_ENCODING for bytes that are not runtime metadata
 */
export const registryOf = (metadata: Hex): { registry: TypeRegistry; hash: Hex } => {
  const hash = metadataHash(metadata)
  const hit = cache.get(hash)
  if (hit) return { registry: hit, hash }
  const registry = new TypeRegistry()
  try {
    registry.setMetadata(new Metadata(registry, metadata))
  } catch (cause) {
    throw new InvalidProofError({ reason: 'MALFORMED_ENCODING', detail: 'runtime metadata does not decode', cause })
  }
  if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value as string)
  cache.set(hash, registry)
  return { registry, hash }
}
