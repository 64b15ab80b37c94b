import { uintToBytes } from './bytes.js'
import type { RlpItem } from './types.js'

const prefix = (len: number, short: number): Uint8Array => {
  if (len < 56) return Uint8Array.of(short + len)
  const l = uintToBytes(len)
  return Uint8Array.of(short + 55 + l.length, ...l)
}

const parts = (item: RlpItem, out: Uint8Array[]): number => {
  if (item instanceof Uint8Array) {
    if (item.length === 1 && item[0]! < 0x80) {
      out.push(item)
      return 1
    }
    const p = prefix(item.length, 0x80)
    out.push(p, item)
    return p.length + item.length
  }
  const at = out.length
  out.push(new Uint8Array(0))
  let len = 0
  for (const child of item) len += parts(child, out)
  const p = prefix(len, 0xc0)
  out[at] = p
  return p.length + len
}

/** Canonical RLP encoding of an item (the only encoding `decodeRlp` accepts). */
export const encodeRlp = (item: RlpItem): Uint8Array => {
  const out: Uint8Array[] = []
  const total = parts(item, out)
  const b = new Uint8Array(total)
  let at = 0
  for (const p of out) {
    b.set(p, at)
    at += p.length
  }
  return b
}
