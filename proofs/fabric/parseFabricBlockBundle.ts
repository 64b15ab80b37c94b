import { BundleInvalidError } from '../../errors.js'
import type { ChainRef, Hex } from '../../types.js'
import type { FabricBlockBundle, FabricEndorsementPolicy, FabricMspTrust, FabricTrustOptions } from './types.js'

const HEX_RE = /^0x(?:[0-9a-fA-F]{2})*$/
const DECIMAL_RE = /^(?:0|[1-9][0-9]*)$/
const CHAIN_RE = /^fabric:[A-Za-z0-9._-]+$/
const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

type Doc = Record<string, unknown>

const invalid = (field: string, expected: string) => new BundleInvalidError({ field, expected })

const object = (v: unknown, field: string): Doc => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalid(field, 'an object')
  return v as Doc
}

const text = (v: unknown, field: string): string => {
  if (typeof v !== 'string' || v.length === 0) throw invalid(field, 'a non-empty string')
  return v
}

const texts = (v: unknown, field: string): string[] => {
  if (!Array.isArray(v) || v.length === 0) throw invalid(field, 'a non-empty array of strings')
  return v.map((x, i) => text(x, `${field}[${i}]`))
}

const index = (v: unknown, field: string): number => {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw invalid(field, 'a non-negative integer')
  return v
}

/**
 * One MSP's anchors: a list of PEM roots, or `{ rootCerts, intermediateCerts? }` (the shape of
 * FabricMSPConfig and of `msp_root_certs.json`).
 * @throws BundleInvalidError naming the field
 */
export const parseMspTrust = (v: unknown, field: string): FabricMspTrust => {
  if (Array.isArray(v)) return { rootCerts: texts(v, field) }
  const o = object(v, field)
  const intermediates = o['intermediateCerts']
  return {
    rootCerts: texts(o['rootCerts'], `${field}.rootCerts`),
    intermediateCerts:
      intermediates === undefined || (Array.isArray(intermediates) && intermediates.length === 0)
        ? []
        : texts(intermediates, `${field}.intermediateCerts`),
  }
}

/** @throws BundleInvalidError naming the field */
export const parseMspRoots = (v: unknown, field: string): Record<string, FabricMspTrust> => {
  const o = object(v, field)
  if (Object.keys(o).length === 0) throw invalid(field, 'at least one MSP')
  return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, parseMspTrust(x, `${field}.${k}`)]))
}

/** @throws BundleInvalidError naming the field */
export const parseEndorsementPolicy = (v: unknown, field: string): FabricEndorsementPolicy => {
  const o = object(v, field)
  const signedBy = texts(o['signedBy'], `${field}.signedBy`)
  const rule = o['rule']
  if (rule === 'AND') return { signedBy, rule }
  const outOf = object(rule, `${field}.rule`)['outOf']
  if (typeof outOf !== 'number' || !Number.isSafeInteger(outOf) || outOf < 1 || outOf > new Set(signedBy).size) {
    throw invalid(`${field}.rule`, '"AND" or { outOf: n } with 1 <= n <= the number of MSPs in signedBy')
  }
  return { signedBy, rule: { outOf } }
}

/**
 * Check the shape of a `fabric-block` bundle (version 1) and return it typed (the block decoded from
 * base64, hex lower-cased). Unknown extra fields are ignored. No cryptographic check happens here.
 * @throws BundleInvalidError naming the first missing or malformed field
 */
export const parseFabricBlockBundle = (doc: unknown): FabricBlockBundle => {
  const d = object(doc, '(root)')
  if (d['kind'] !== 'fabric-block') throw invalid('kind', '"fabric-block"')
  if (d['version'] !== 1) throw invalid('version', '1')
  const chain = d['chain']
  if (typeof chain !== 'string' || !CHAIN_RE.test(chain)) throw invalid('chain', 'a chain ref "fabric:<name>"')
  const blockNumber = d['blockNumber']
  if (typeof blockNumber !== 'string' || !DECIMAL_RE.test(blockNumber) || blockNumber.length > 20) {
    throw invalid('blockNumber', 'a decimal integer string')
  }
  const block = d['block']
  if (typeof block !== 'string' || block.length === 0 || !BASE64_RE.test(block)) {
    throw invalid('block', 'the common.Block protobuf in standard base64')
  }
  const message = d['message']
  if (typeof message !== 'string' || !HEX_RE.test(message) || message.length < 4) throw invalid('message', '0x hex')
  const id = d['id']
  if (id !== undefined && (typeof id !== 'string' || !HEX_RE.test(id) || id.length !== 66)) {
    throw invalid('id', '0x hex of 32 bytes')
  }
  return {
    version: 1,
    kind: 'fabric-block',
    chain: chain as ChainRef,
    channel: text(d['channel'], 'channel'),
    chaincode: text(d['chaincode'], 'chaincode'),
    blockNumber,
    block: Uint8Array.from(Buffer.from(block, 'base64')),
    txIndex: index(d['txIndex'], 'txIndex'),
    ...(d['eventIndex'] === undefined ? {} : { eventIndex: index(d['eventIndex'], 'eventIndex') }),
    mspRoots: parseMspRoots(d['mspRoots'], 'mspRoots'),
    ordererMspIds: texts(d['ordererMspIds'], 'ordererMspIds'),
    endorsementPolicy: parseEndorsementPolicy(d['endorsementPolicy'], 'endorsementPolicy'),
    message: message.toLowerCase() as Hex,
    ...(id === undefined ? {} : { id: (id as string).toLowerCase() as Hex }),
  }
}

/**
 * Check a Fabric trust document (what `isthmus proof verify --fabric-trust` reads and a relayer
 * configures): `{ channel?, chaincode?, mspRoots, ordererMspIds, endorsementPolicy, minOrdererSignatures? }`.
 * @throws BundleInvalidError naming the field
 */
export const parseFabricTrust = (doc: unknown): FabricTrustOptions => {
  const d = object(doc, '(root)')
  const min = d['minOrdererSignatures']
  if (min !== undefined && (typeof min !== 'number' || !Number.isSafeInteger(min) || min < 1)) {
    throw invalid('minOrdererSignatures', 'a positive integer')
  }
  return {
    ...(d['channel'] === undefined ? {} : { channel: text(d['channel'], 'channel') }),
    ...(d['chaincode'] === undefined ? {} : { chaincode: text(d['chaincode'], 'chaincode') }),
    mspRoots: parseMspRoots(d['mspRoots'], 'mspRoots'),
    ordererMspIds: texts(d['ordererMspIds'], 'ordererMspIds'),
    endorsementPolicy: parseEndorsementPolicy(d['endorsementPolicy'], 'endorsementPolicy'),
    ...(min === undefined ? {} : { minOrdererSignatures: min as number }),
  }
}
