import { BundleInvalidError } from '../../errors.js'
import type { ChainRef, Hex } from '../../types.js'
import type {
  GrandpaAuthoritySet,
  SubstrateGrandpaBundle,
  SubstrateStorageBundle,
  SubstrateStorageEntry,
  TrieVersion,
} from './types.js'

const HEX_RE = /^0x(?:[0-9a-fA-F]{2})*$/
const DECIMAL_RE = /^(?:0|[1-9][0-9]*)$/
const CHAIN_RE = /^substrate:[A-Za-z0-9._-]+$/
const U32_MAX = 0xffffffffn
const U64_MAX = 0xffffffffffffffffn

type Doc = Record<string, unknown>

const invalid = (field: string, expected: string) => new BundleInvalidError({ field, expected })

const object = (v: unknown, field: string): Doc => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalid(field, 'an object')
  return v as Doc
}

const hex = (v: unknown, field: string, bytes?: number): Hex => {
  if (typeof v !== 'string' || !HEX_RE.test(v) || (bytes !== undefined && v.length !== 2 + 2 * bytes)) {
    throw invalid(field, bytes === undefined ? '0x hex' : `0x hex of ${bytes} bytes`)
  }
  return v.toLowerCase() as Hex
}

const decimal = (v: unknown, field: string, max: bigint): string => {
  if (typeof v !== 'string' || !DECIMAL_RE.test(v) || v.length > 20 || BigInt(v) > max) {
    throw invalid(field, `a decimal integer string up to ${max}`)
  }
  return v
}

const hexList = (v: unknown, field: string): Hex[] => {
  if (!Array.isArray(v)) throw invalid(field, 'an array of 0x hex')
  return v.map((n, i) => hex(n, `${field}[${i}]`))
}

const trieVersion = (v: unknown, field: string): TrieVersion => {
  if (v !== 0 && v !== 1) throw invalid(field, '0 or 1')
  return v
}

const header = (d: Doc, kind: string): { chain: ChainRef; genesisHash: Hex; blockNumber: string; blockHash: Hex } => {
  if (d['kind'] !== kind) throw invalid('kind', `"${kind}"`)
  if (d['version'] !== 1) throw invalid('version', '1')
  const chain = d['chain']
  if (typeof chain !== 'string' || !CHAIN_RE.test(chain)) throw invalid('chain', 'a chain ref "substrate:<name>"')
  return {
    chain: chain as ChainRef,
    genesisHash: hex(d['genesisHash'], 'genesisHash', 32),
    blockNumber: decimal(d['blockNumber'], 'blockNumber', U32_MAX),
    blockHash: hex(d['blockHash'], 'blockHash', 32),
  }
}

const entry = (v: unknown, i: number): SubstrateStorageEntry => {
  const e = object(v, `entries[${i}]`)
  return {
    key: hex(e['key'], `entries[${i}].key`),
    value: e['value'] === null ? null : hex(e['value'], `entries[${i}].value`),
  }
}

/**
 * Check the shape of a `substrate-storage` bundle (version 1) and return it typed, hex
 * lower-cased. `message`, `metadata` and other fields belong to the message-level check and are
 * not read here. No cryptographic check happens here.
 * @throws BundleInvalidError naming the first missing or malformed field
 */
export const parseSubstrateStorageBundle = (doc: unknown): SubstrateStorageBundle => {
  const d = object(doc, '(root)')
  const common = header(d, 'substrate-storage')
  const entries = d['entries']
  if (!Array.isArray(entries) || entries.length === 0) throw invalid('entries', 'a non-empty array of { key, value }')
  const extrinsicIndex = d['extrinsicIndex']
  if (
    extrinsicIndex !== undefined &&
    (typeof extrinsicIndex !== 'number' || !Number.isSafeInteger(extrinsicIndex) || extrinsicIndex < 0)
  ) {
    throw invalid('extrinsicIndex', 'a non-negative integer')
  }
  const extrinsics = d['extrinsics'] === undefined ? null : hexList(d['extrinsics'], 'extrinsics')
  if (extrinsicIndex !== undefined && (extrinsics === null || extrinsicIndex >= extrinsics.length)) {
    throw invalid('extrinsicIndex', 'the index of one of the bundle’s extrinsics')
  }
  return {
    version: 1,
    kind: 'substrate-storage',
    ...common,
    header: hex(d['header'], 'header'),
    stateVersion: trieVersion(d['stateVersion'], 'stateVersion'),
    storageProof: hexList(d['storageProof'], 'storageProof'),
    entries: entries.map(entry),
    extrinsics,
    extrinsicsVersion:
      d['extrinsicsVersion'] === undefined ? 0 : trieVersion(d['extrinsicsVersion'], 'extrinsicsVersion'),
    extrinsicIndex: extrinsicIndex === undefined ? null : extrinsicIndex,
  }
}

/**
 * An authority set as JSON: `{ setId: "<u64>", authorities: [{ id: "0x<32 bytes>", weight: "<u64>" }] }`.
 * @throws BundleInvalidError naming the field (under `field`)
 */
export const parseGrandpaAuthoritySet = (v: unknown, field = 'authoritySet'): GrandpaAuthoritySet => {
  const s = object(v, field)
  const list = s['authorities']
  if (!Array.isArray(list) || list.length === 0)
    throw invalid(`${field}.authorities`, 'a non-empty array of { id, weight }')
  const seen = new Set<Hex>()
  const authorities = list.map((a, i) => {
    const o = object(a, `${field}.authorities[${i}]`)
    const id = hex(o['id'], `${field}.authorities[${i}].id`, 32)
    if (seen.has(id)) throw invalid(`${field}.authorities[${i}].id`, 'an id not listed before')
    seen.add(id)
    const weight = BigInt(decimal(o['weight'], `${field}.authorities[${i}].weight`, U64_MAX))
    if (weight === 0n) throw invalid(`${field}.authorities[${i}].weight`, 'a positive weight')
    return { id, weight }
  })
  return { setId: BigInt(decimal(s['setId'], `${field}.setId`, U64_MAX)), authorities }
}

/**
 * Check the shape of a `substrate-grandpa` bundle (version 1) and return it typed.
 * @throws BundleInvalidError naming the first missing or malformed field
 */
export const parseSubstrateGrandpaBundle = (doc: unknown): SubstrateGrandpaBundle => {
  const d = object(doc, '(root)')
  return {
    version: 1,
    kind: 'substrate-grandpa',
    ...header(d, 'substrate-grandpa'),
    justification: hex(d['justification'], 'justification'),
    authoritySet: parseGrandpaAuthoritySet(d['authoritySet']),
    header: d['header'] === undefined ? null : hex(d['header'], 'header'),
  }
}
