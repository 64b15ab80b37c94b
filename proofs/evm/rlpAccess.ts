import { InvalidProofError } from '../../errors.js'
import type { RlpItem } from './types.js'

/** The item as a list, or MALFORMED_ENCODING naming `what`. */
export const asList = (item: RlpItem | undefined, what: string, length?: number): RlpItem[] => {
  if (!Array.isArray(item))
    throw new InvalidProofError({ reason: 'MALFORMED_ENCODING', detail: `${what} is not an RLP list` })
  if (length !== undefined && item.length !== length) {
    throw new InvalidProofError({
      reason: 'MALFORMED_ENCODING',
      detail: `${what} has ${item.length} items, expected ${length}`,
    })
  }
  return item
}

/** The item as a byte string (of `length` bytes when given), or MALFORMED_ENCODING naming `what`. */
export const asBytes = (item: RlpItem | undefined, what: string, length?: number): Uint8Array => {
  if (!(item instanceof Uint8Array)) {
    throw new InvalidProofError({ reason: 'MALFORMED_ENCODING', detail: `${what} is not an RLP byte string` })
  }
  if (length !== undefined && item.length !== length) {
    throw new InvalidProofError({
      reason: 'MALFORMED_ENCODING',
      detail: `${what} is ${item.length} bytes, expected ${length}`,
    })
  }
  return item
}
