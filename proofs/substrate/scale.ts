import { InvalidProofError } from '../../errors.js'

/**
 * A cursor over SCALE bytes. Reads are strict: a truncated input is MALFORMED_ENCODING, a
 * compact integer in a longer mode than its value needs is NON_CANONICAL (parity-scale-codec
 * refuses those too), and `end()` refuses unread bytes with TRAILING_DATA.
 */
export interface ScaleReader {
  readonly offset: number
  readonly remaining: number
  u8(): number
  u16(): number
  u32(): number
  u64(): bigint
  /** A compact integer that must fit in a JS safe integer (lengths, block numbers, indices). */
  compact(): number
  bytes(n: number): Uint8Array
  /** `Vec<u8>`: compact length then the bytes. */
  vecU8(): Uint8Array
  /** A compact vector length, bounded by the bytes left (each item needs at least `minItemBytes`). */
  vecLength(minItemBytes: number): number
  end(): void
}

const malformed = (what: string, detail: string) =>
  new InvalidProofError({ reason: 'MALFORMED_ENCODING', detail: `${what}: ${detail}` })

/** Start reading `data` (named `what` in errors). */
export const createScaleReader = (data: Uint8Array, what: string): ScaleReader => {
  let o = 0
  const need = (n: number): void => {
    if (o + n > data.length) throw malformed(what, `truncated at byte ${o} (needs ${n} more)`)
  }
  const r: ScaleReader = {
    get offset() {
      return o
    },
    get remaining() {
      return data.length - o
    },
    u8: () => {
      need(1)
      return data[o++]!
    },
    u16: () => {
      need(2)
      const v = data[o]! | (data[o + 1]! << 8)
      o += 2
      return v
    },
    u32: () => {
      need(4)
      const v = (data[o]! | (data[o + 1]! << 8) | (data[o + 2]! << 16)) + data[o + 3]! * 0x1000000
      o += 4
      return v
    },
    u64: () => {
      const lo = BigInt(r.u32())
      return (BigInt(r.u32()) << 32n) | lo
    },
    compact: () => {
      need(1)
      const b0 = data[o]!
      const mode = b0 & 3
      if (mode === 0) {
        o += 1
        return b0 >> 2
      }
      if (mode === 1) {
        const v = r.u16() >> 2
        if (v < 1 << 6)
          throw new InvalidProofError({ reason: 'NON_CANONICAL', detail: `${what}: compact ${v} in 2 bytes` })
        return v
      }
      if (mode === 2) {
        const v = Math.floor(r.u32() / 4)
        if (v < 1 << 14)
          throw new InvalidProofError({ reason: 'NON_CANONICAL', detail: `${what}: compact ${v} in 4 bytes` })
        return v
      }
      const len = (b0 >> 2) + 4
      o += 1
      if (len > 6) throw malformed(what, `compact integer of ${len} bytes is out of range`)
      need(len)
      let v = 0
      for (let i = len - 1; i >= 0; i--) v = v * 256 + data[o + i]!
      if (data[o + len - 1] === 0 || v < 2 ** 30) {
        throw new InvalidProofError({ reason: 'NON_CANONICAL', detail: `${what}: compact ${v} in ${len} bytes` })
      }
      o += len
      return v
    },
    bytes: (n: number) => {
      need(n)
      const out = data.subarray(o, o + n)
      o += n
      return out
    },
    vecU8: () => r.bytes(r.compact()),
    vecLength: (minItemBytes: number) => {
      const n = r.compact()
      if (n * minItemBytes > data.length - o) throw malformed(what, `vector of ${n} items is longer than the input`)
      return n
    },
    end: () => {
      if (o !== data.length) {
        throw new InvalidProofError({
          reason: 'TRAILING_DATA',
          detail: `${what}: ${data.length - o} bytes after the end`,
        })
      }
    },
  }
  return r
}

/** SCALE compact encoding of a non-negative safe integer. */
export const encodeCompact = (v: number): Uint8Array => {
  if (v < 1 << 6) return Uint8Array.of(v << 2)
  if (v < 1 << 14) return Uint8Array.of(((v << 2) | 1) & 0xff, v >> 6)
  if (v < 2 ** 30) {
    const x = v * 4 + 2
    return Uint8Array.of(x & 0xff, (x >>> 8) & 0xff, (x >>> 16) & 0xff, Math.floor(x / 2 ** 24) & 0xff)
  }
  const bytes: number[] = []
  for (let x = v; x > 0; x = Math.floor(x / 256)) bytes.push(x % 256)
  return Uint8Array.of(((bytes.length - 4) << 2) | 3, ...bytes)
}

/** Little-endian u32 / u64 bytes. */
export const encodeU32 = (v: number): Uint8Array =>
  Uint8Array.of(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24)
export const encodeU64 = (v: bigint): Uint8Array => {
  const out = new Uint8Array(8)
  let x = v
  for (let i = 0; i < 8; i++, x >>= 8n) out[i] = Number(x & 0xffn)
  return out
}
