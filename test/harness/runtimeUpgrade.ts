// A runtime upgrade on the local Asset Hub: the chain's own runtime with its spec_version raised,
// written to `:code` so that chopsticks builds the next blocks with it. No second Asset Hub runtime
// can be had offline; raising spec_version is what every upgrade does, and it changes the metadata
// too (the `System.Version` constant carries the runtime version).
import { zstdCompressSync, zstdDecompressSync } from 'node:zlib'
import type { ApiPromise } from '@polkadot/api'
import type { KeyringPair } from '@polkadot/keyring/types'
import { blake2AsHex } from '@polkadot/util-crypto'
import type { Hex } from '../../types.js'
import type { Chopsticks } from './chopsticks.js'

const CODE_KEY = '0x3a636f6465' // ":code"
// sp-maybe-compressed-blob's zstd marker.
const ZSTD_PREFIX = Buffer.from('52bc537646db8e05', 'hex')

const u32le = (n: number): Buffer => {
  const b = Buffer.alloc(4)
  b.writeUInt32LE(n)
  return b
}

const readLeb = (b: Buffer, at: number): [value: number, next: number] => {
  let value = 0
  let shift = 0
  let p = at
  for (;;) {
    const byte = b[p++]!
    value += (byte & 0x7f) * 2 ** shift
    shift += 7
    if ((byte & 0x80) === 0) return [value, p]
  }
}

/** `i32.const v` / `i64.const v` as wasm bytes (opcode + signed LEB128). */
const constInstr = (type: 'i32' | 'i64', v: bigint): Buffer => {
  const out = [type === 'i32' ? 0x41 : 0x42]
  let x = BigInt.asIntN(type === 'i32' ? 32 : 64, v)
  for (;;) {
    const b = Number(x & 0x7fn)
    x >>= 7n
    const done = (x === 0n && (b & 0x40) === 0) || (x === -1n && (b & 0x40) !== 0)
    out.push(done ? b : b | 0x80)
    if (done) return Buffer.from(out)
  }
}

interface Module {
  sections: Map<number | string, { start: number; end: number }>
  /** Code-section bodies with their function names (from the `name` section). */
  functions: { name: string; start: number; end: number }[]
}

const parseModule = (wasm: Buffer): Module => {
  if (!wasm.subarray(0, 4).equals(Buffer.from([0, 0x61, 0x73, 0x6d]))) throw new TypeError('not a wasm module')
  const sections: Module['sections'] = new Map()
  for (let p = 8; p < wasm.length; ) {
    const id = wasm[p]!
    const [size, start] = readLeb(wasm, p + 1)
    if (id === 0) {
      const [nameLen, nameAt] = readLeb(wasm, start)
      sections.set(wasm.subarray(nameAt, nameAt + nameLen).toString('utf8'), {
        start: nameAt + nameLen,
        end: start + size,
      })
    } else sections.set(id, { start, end: start + size })
    p = start + size
  }
  const at = (k: number | string) => {
    const s = sections.get(k)
    if (!s) throw new TypeError(`runtime has no ${typeof k === 'number' ? `section ${k}` : `${k} section`}`)
    return s
  }
  // Imported functions come first in the function index space.
  let imported = 0
  {
    let [count, p] = readLeb(wasm, at(2).start)
    for (; count > 0; count--) {
      for (let i = 0; i < 2; i++) {
        const [len, next] = readLeb(wasm, p)
        p = next + len
      }
      const kind = wasm[p++]!
      if (kind === 0) {
        imported++
        p = readLeb(wasm, p)[1]
      } else if (kind === 1 || kind === 2) {
        if (kind === 1) p++ // reftype
        const flags = wasm[p++]!
        p = readLeb(wasm, p)[1]
        if (flags & 1) p = readLeb(wasm, p)[1]
      } else p += 2 // global: valtype, mut
    }
  }
  const names = new Map<number, string>()
  {
    const { start, end } = at('name')
    for (let p = start; p < end; ) {
      const sub = wasm[p]!
      const [size, s0] = readLeb(wasm, p + 1)
      if (sub === 1) {
        let [count, q] = readLeb(wasm, s0)
        for (; count > 0; count--) {
          const [index, a] = readLeb(wasm, q)
          const [len, b] = readLeb(wasm, a)
          names.set(index, wasm.subarray(b, b + len).toString('utf8'))
          q = b + len
        }
      }
      p = s0 + size
    }
  }
  const functions: Module['functions'] = []
  {
    let [count, p] = readLeb(wasm, at(10).start)
    for (let i = 0; i < count; i++) {
      const [size, start] = readLeb(wasm, p)
      functions.push({ name: names.get(imported + i) ?? '', start, end: start + size })
      p = start + size
    }
  }
  return { sections, functions }
}

const indexesOf = (hay: Buffer, needle: Buffer, from: number, to: number): number[] => {
  const hits: number[] = []
  for (let i = hay.indexOf(needle, from); i !== -1 && i + needle.length <= to; i = hay.indexOf(needle, i + 1))
    hits.push(i)
  return hits
}

/** Replace `from` by `to` (same length) at every hit in [start, end); throws unless the count is as expected. */
const replaceIn = (
  wasm: Buffer,
  from: Buffer,
  to: Buffer,
  range: { start: number; end: number }[],
  what: string,
  expect: (n: number) => boolean,
) => {
  if (from.length !== to.length) throw new RangeError(`${what}: the new constant does not fit in place`)
  const hits = range.flatMap((r) => indexesOf(wasm, from, r.start, r.end))
  if (!expect(hits.length)) throw new RangeError(`${what}: unexpected count ${hits.length}`)
  for (const h of hits) to.copy(wasm, h)
}

/**
 * The runtime `code` with its spec_version set to `specVersion`, everywhere the runtime carries it:
 * the `runtime_version` custom section (what the host reads), the `VERSION` static (`Core_version`,
 * the `System.Version` constant in the metadata), the signed-extension check in
 * `UncheckedExtrinsic::check` (spec and transaction version folded into one i64) and the
 * upgrade detection in `Executive::initialize_block` (which then runs `on_runtime_upgrade` and
 * records `LastRuntimeUpgrade`, as on a live upgrade). Returns the uncompressed wasm.
 */
export const withSpecVersion = (code: Hex, specVersion: number): { code: Hex; from: number } => {
  let wasm = Buffer.from(code.slice(2), 'hex')
  if (wasm.subarray(0, 8).equals(ZSTD_PREFIX)) wasm = zstdDecompressSync(wasm.subarray(8))
  wasm = Buffer.from(wasm)
  const m = parseModule(wasm)
  const rv = m.sections.get('runtime_version')
  if (!rv) throw new TypeError('runtime has no runtime_version section')
  // spec_name, impl_name (compact-length strings < 64 bytes: one length byte), the u32 authoring, spec
  // and impl versions, the api list (empty here: runtime_apis has its own section), transaction_version.
  let p = rv.start
  for (let i = 0; i < 2; i++) p += 1 + (wasm[p]! >> 2)
  const authoring = wasm.readUInt32LE(p)
  const from = wasm.readUInt32LE(p + 4)
  const impl = wasm.readUInt32LE(p + 8)
  if (wasm[p + 12] !== 0) throw new TypeError('runtime_version section lists runtime APIs: layout not supported')
  const transaction = wasm.readUInt32LE(p + 13) // after the (empty) compact-length api list
  wasm.writeUInt32LE(specVersion, p + 4)
  const data = [m.sections.get(11)!]
  replaceIn(
    wasm,
    Buffer.concat([u32le(authoring), u32le(from), u32le(impl)]),
    Buffer.concat([u32le(authoring), u32le(specVersion), u32le(impl)]),
    data,
    'VERSION static',
    (n) => n === 1,
  )
  const code10 = [m.sections.get(10)!]
  const packed = (spec: number) => constInstr('i64', (BigInt(transaction) << 32n) | BigInt(spec))
  replaceIn(wasm, packed(from), packed(specVersion), code10, 'signed-extension version check', (n) => n === 1)
  const init = m.functions.filter((f) => f.name.includes('Executive') && f.name.includes('initialize_block'))
  for (const t of ['i32', 'i64'] as const)
    replaceIn(
      wasm,
      constInstr(t, BigInt(from)),
      constInstr(t, BigInt(specVersion)),
      init,
      `upgrade detection (${t})`,
      (n) => n >= 1,
    )
  return { code: `0x${wasm.toString('hex')}`, from }
}

/** The wasm compressed the way runtimes ship (sp-maybe-compressed-blob: marker + zstd). */
export const compressRuntime = (code: Hex): Hex =>
  `0x${Buffer.concat([ZSTD_PREFIX, zstdCompressSync(Buffer.from(code.slice(2), 'hex'))]).toString('hex')}`

export interface RuntimeUpgrade {
  from: number
  to: number
  /** The block whose `parachainSystem.enactAuthorizedUpgrade` stored the new code (ValidationFunctionStored). */
  storedAt: Hex
  /** The block that applied it on the relay's go-ahead (ValidationFunctionApplied, `:code` written). */
  appliedAt: Hex
}

/**
 * A parachain runtime upgrade the way a live Asset Hub does it: governance authorizes the code hash
 * (here written with dev_setStorage: this runtime has no sudo or governance pallet), anyone enacts
 * the upgrade with the code, and the next block applies it on the relay chain's go-ahead (chopsticks
 * signals go-ahead when a validation code is pending). The new code is the chain's own with
 * spec_version + 1. Builds the two blocks (or follows another producer's); the blocks after
 * `appliedAt` run the new runtime. `beforeApply` needs block production paused to land in `appliedAt`.
 */
export const upgradeRuntime = async (
  chain: Chopsticks,
  api: ApiPromise,
  signer: KeyringPair,
  /** `beforeApply`: submit extrinsics for the applying block (which the old runtime still executes). */
  o: { beforeApply?: () => Promise<unknown> } = {},
): Promise<RuntimeUpgrade> => {
  const current = await chain.rpc<Hex>('state_getStorage', [CODE_KEY])
  const { specVersion } = await chain.rpc<{ specVersion: number }>('state_getRuntimeVersion', [])
  const next = withSpecVersion(current, specVersion + 1)
  if (next.from !== specVersion) throw new RangeError(`code says spec ${next.from}, the chain says ${specVersion}`)
  const code = compressRuntime(next.code)
  await chain.setStorage({ ParachainSystem: { AuthorizedUpgrade: blake2AsHex(code, 256) } })
  // Another block producer (a test's ticker) may include the extrinsic first: follow its status.
  let resolveIncluded: (hash: Hex) => void = () => {}
  const included = new Promise<Hex>((resolve) => {
    resolveIncluded = resolve
  })
  const unsubscribe = await api.tx.parachainSystem!.enactAuthorizedUpgrade!(code).signAndSend(
    signer,
    { nonce: -1 },
    (r) => {
      if (r.status.isInBlock) resolveIncluded(r.status.asInBlock.toHex() as Hex)
    },
  )
  await chain.newBlock()
  const storedAt = await included
  unsubscribe()
  const storedNumber = Number((await chain.rpc<{ number: Hex }>('chain_getHeader', [storedAt])).number)
  await o.beforeApply?.()
  if ((await chain.headNumber()) === storedNumber) await chain.newBlock()
  const appliedAt = await chain.rpc<Hex>('chain_getBlockHash', [storedNumber + 1])
  return { from: specVersion, to: specVersion + 1, storedAt, appliedAt }
}
