// Test helper: builds real-format Fabric blocks (the protobuf layout Fabric's peers and orderers use),
// signed with the synthetic test PKI in test/fixtures/fabric/synthetic/. Each step can be overridden,
// so tests can tamper with one part and re-sign the parts above it, as an attacker with keys could.
import { createHash, createPrivateKey, type KeyObject, sign } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { blockHeaderBytes } from '../../../../proofs/fabric/blockHeaderBytes.js'
import { P256_N } from '../../../../proofs/fabric/verifyP256Signature.js'
import { encodeAppBody, encodeMessage, fabricIdentityOf } from '../../../../protocol/index.js'
import type { Hex, Message } from '../../../../types.js'

const DIR = new URL('../../../fixtures/fabric/synthetic/', import.meta.url)
export const pem = (name: string): string => readFileSync(new URL(`${name}.cert.pem`, DIR), 'utf8')

export interface Party {
  mspId: string
  certPem: string
  key: KeyObject
}

export const party = (name: string, mspId: string): Party => ({
  mspId,
  certPem: pem(name),
  key: createPrivateKey(readFileSync(new URL(`${name}.key.pem`, DIR), 'utf8')),
})

export const PARTIES = {
  org1Peer: party('org1-peer0', 'Org1MSP'),
  org1Client: party('org1-client', 'Org1MSP'),
  org2Peer: party('org2-peer0', 'Org2MSP'),
  orderer0: party('orderer0', 'OrdererMSP'),
  orderer1: party('orderer1', 'OrdererMSP'),
  evilPeer: party('evil-peer0', 'EvilMSP'),
  rogueOrg2: party('rogue', 'Org2MSP'),
  org2RootAsIdentity: party('org2-root', 'Org2MSP'),
}

export const MSP_ROOTS = {
  Org1MSP: { rootCerts: [pem('org1-root')], intermediateCerts: [pem('org1-ica')] },
  Org2MSP: { rootCerts: [pem('org2-root')] },
  OrdererMSP: { rootCerts: [pem('orderer-root')] },
}

// --- a minimal protobuf writer (length-delimited and varint fields only) ---
type Field = [number, Uint8Array | string | bigint | number | undefined]
const varint = (v: bigint): number[] => {
  const out: number[] = []
  let x = BigInt.asUintN(64, v)
  do {
    const b = Number(x & 0x7fn)
    x >>= 7n
    out.push(x > 0n ? b | 0x80 : b)
  } while (x > 0n)
  return out
}
export const pb = (...fields: Field[]): Uint8Array => {
  const out: number[] = []
  for (const [n, v] of fields) {
    if (v === undefined) continue
    if (typeof v === 'bigint' || typeof v === 'number') {
      if (BigInt(v) === 0n) continue
      out.push(...varint(BigInt(n * 8)), ...varint(BigInt(v)))
    } else {
      const b = typeof v === 'string' ? new TextEncoder().encode(v) : v
      if (b.length === 0) continue
      out.push(...varint(BigInt(n * 8 + 2)), ...varint(BigInt(b.length)), ...b)
    }
  }
  return Uint8Array.from(out)
}
/** Repeated length-delimited field. */
export const rep = (n: number, values: Uint8Array[]): Field[] => values.map((v) => [n, v])
const pbList = (n: number, values: Uint8Array[]): Uint8Array => {
  const parts = values.map((v) => Uint8Array.from([...varint(BigInt(n * 8 + 2)), ...varint(BigInt(v.length)), ...v]))
  return Buffer.concat(parts)
}

// --- signatures ---
const derInt = (v: bigint): number[] => {
  let hex = v.toString(16)
  if (hex.length % 2) hex = `0${hex}`
  const b = [...Buffer.from(hex, 'hex')]
  if (b[0]! & 0x80) b.unshift(0)
  return [0x02, b.length, ...b]
}
export const derSig = (r: bigint, s: bigint): Uint8Array => {
  const body = [...derInt(r), ...derInt(s)]
  return Uint8Array.from([0x30, body.length, ...body])
}
const readDer = (sig: Uint8Array): [bigint, bigint] => {
  const rl = sig[3]!
  const r = BigInt(`0x${Buffer.from(sig.subarray(4, 4 + rl)).toString('hex')}`)
  const sl = sig[5 + rl]!
  const s = BigInt(`0x${Buffer.from(sig.subarray(6 + rl, 6 + rl + sl)).toString('hex')}`)
  return [r, s]
}
/** ECDSA-P256/SHA-256, low-S normalised as Fabric's signers do. */
export const signLowS = (key: KeyObject, data: Uint8Array): Uint8Array => {
  const [r, s] = readDer(sign('sha256', data, key))
  return derSig(r, s > P256_N / 2n ? P256_N - s : s)
}
/** The same signature with s replaced by n - s: still a valid ECDSA signature, but high-S. */
export const toHighS = (sig: Uint8Array): Uint8Array => {
  const [r, s] = readDer(sig)
  return derSig(r, s > P256_N / 2n ? s : P256_N - s)
}
export const flipLastByte = (b: Uint8Array): Uint8Array => {
  const c = Uint8Array.from(b)
  c[c.length - 1]! ^= 0x01
  return c
}

export const identity = (p: Party): Uint8Array => pb([1, p.mspId], [2, p.certPem])
const sha256 = (...parts: Uint8Array[]): Buffer => {
  const h = createHash('sha256')
  for (const x of parts) h.update(x)
  return h.digest()
}

// --- transactions ---
export interface TxSpec {
  channel: string
  chaincode: string
  creator: Party
  endorsers: Party[]
  timestampMs: number
  event?: { name: string; payload: Uint8Array; chaincodeId?: string; txId?: string }
  responseStatus?: number
  type?: number
  nonce?: Uint8Array
  txId?: string
  /** Override the ProposalResponsePayload's proposal hash. */
  proposalHash?: Uint8Array
  /** Replace an endorsement signature (index → bytes) after signing. */
  endorsementSig?: (i: number, sig: Uint8Array) => Uint8Array
  creatorSig?: (sig: Uint8Array) => Uint8Array
  /** Extra actions (Fabric allows one). */
  extraActions?: number
}

export const buildEnvelope = (t: TxSpec): Uint8Array => {
  const nonce = t.nonce ?? Uint8Array.from(createHash('sha256').update(`${t.timestampMs}`).digest().subarray(0, 24))
  const creator = identity(t.creator)
  const txId = t.txId ?? sha256(nonce, creator).toString('hex')
  const seconds = BigInt(Math.floor(t.timestampMs / 1000))
  const channelHeader = pb(
    [1, t.type ?? 3],
    [3, pb([1, seconds], [2, (t.timestampMs % 1000) * 1_000_000])],
    [4, t.channel],
    [5, txId],
    [7, pb([1, pb([2, t.chaincode])])],
  )
  const signatureHeader = pb([1, creator], [2, nonce])
  const proposalPayload = pb([1, pb([1, pb([1, 1], [2, pb([2, t.chaincode])], [3, pb([1, 'dispatch'])])])])
  const event = t.event
    ? pb([1, t.event.chaincodeId ?? t.chaincode], [2, t.event.txId ?? txId], [3, t.event.name], [4, t.event.payload])
    : undefined
  const ccAction = pb(
    [1, pb([1, 'rwset'])],
    [2, event],
    [3, pb([1, t.responseStatus ?? 200])],
    [4, pb([2, t.chaincode], [3, '1.0'])],
  )
  const proposalHash = t.proposalHash ?? sha256(channelHeader, signatureHeader, proposalPayload)
  const prp = pb([1, proposalHash], [2, ccAction])
  const endorsements = t.endorsers.map((e, i) => {
    const id = identity(e)
    const sig = signLowS(e.key, Buffer.concat([prp, id]))
    return pb([1, id], [2, t.endorsementSig ? t.endorsementSig(i, sig) : sig])
  })
  const cap = pb([1, proposalPayload], [2, Buffer.concat([pb([1, prp]), pbList(2, endorsements)])])
  const action = pb([1, signatureHeader], [2, cap])
  const transaction = pbList(
    1,
    Array.from({ length: 1 + (t.extraActions ?? 0) }, () => action),
  )
  const payload = pb([1, pb([1, channelHeader], [2, signatureHeader])], [2, transaction])
  const sig = signLowS(t.creator.key, payload)
  return pb([1, payload], [2, t.creatorSig ? t.creatorSig(sig) : sig])
}

// --- blocks ---
export interface BlockSpec {
  number: bigint
  previousHash?: Uint8Array
  data: Uint8Array[]
  /** Validation codes, one per transaction (default all VALID = 0). */
  filter?: number[]
  orderers: Party[]
  /** Override the header data hash. */
  dataHash?: Uint8Array
  ordererSig?: (i: number, sig: Uint8Array) => Uint8Array
  /** BFT-style signature naming its consenter by id (identifier_header) instead of a signature header. */
  useIdentifierHeader?: boolean
}

export const buildBlock = (b: BlockSpec): Uint8Array => {
  const previousHash = b.previousHash ?? new Uint8Array(32).fill(7)
  const dataHash = b.dataHash ?? sha256(...b.data)
  const header = { number: b.number, previousHash, dataHash }
  const value = pb([1, pb([1, 5])]) // OrdererBlockMetadata{ last_config { index: 5 } }
  const headerDer = blockHeaderBytes(header)
  const sigs = b.orderers.map((o, i) => {
    const sh = b.useIdentifierHeader ? new Uint8Array(0) : pb([1, identity(o)], [2, Uint8Array.of(i + 1, 2, 3)])
    const idh = b.useIdentifierHeader ? pb([1, i + 1], [2, Uint8Array.of(9)]) : new Uint8Array(0)
    const sig = signLowS(o.key, Buffer.concat([value, b.useIdentifierHeader ? idh : sh, headerDer]))
    return pb([1, sh], [2, b.ordererSig ? b.ordererSig(i, sig) : sig], [3, idh])
  })
  const signatures = Buffer.concat([pb([1, value]), pbList(2, sigs)])
  const filter = Uint8Array.from(b.filter ?? b.data.map(() => 0))
  const metadata = [signatures, new Uint8Array(0), filter, new Uint8Array(0), pb([1, new Uint8Array(32).fill(1)])]
  return pb([1, pb([1, b.number], [2, previousHash], [3, dataHash])], [2, pbList(1, b.data)], [3, pbList(1, metadata)])
}

// --- messages and bundles ---
export const CHANNEL = 'bridge-channel'
export const CHAINCODE = 'isthmus'
export const TX_TIME_MS = Date.UTC(2030, 0, 2, 3, 4, 5, 678)

export const messageFrom = (creator: Party, nonce = 1n): Message => ({
  version: 1,
  nonce,
  origin: 3,
  sender: fabricIdentityOf(creator.mspId, creator.certPem),
  destination: 1,
  recipient: `0x${'22'.repeat(32)}` as Hex,
  body: encodeAppBody('0x010203') as Hex,
})

export interface BundleSpec {
  tx?: Partial<TxSpec>
  block?: Partial<BlockSpec>
  /** Transactions before the target one (default none). */
  before?: Uint8Array[]
  message?: Message
  eventPayload?: Uint8Array
  bundle?: Record<string, unknown>
}

export const POLICY = { signedBy: ['Org1MSP', 'Org2MSP'], rule: 'AND' as const }

/** A `fabric-block` bundle document for one Dispatch transaction, valid unless the spec tampers with it. */
export const buildBundle = (s: BundleSpec = {}): Record<string, unknown> => {
  const creator = s.tx?.creator ?? PARTIES.org1Client
  const message = s.message ?? messageFrom(creator)
  const encoded = encodeMessage(message)
  const envelope = buildEnvelope({
    channel: CHANNEL,
    chaincode: CHAINCODE,
    creator,
    endorsers: [PARTIES.org1Peer, PARTIES.org2Peer],
    timestampMs: TX_TIME_MS,
    event: { name: 'Dispatch', payload: s.eventPayload ?? encoded },
    ...s.tx,
  })
  const data = [...(s.before ?? []), envelope]
  const block = buildBlock({ number: 42n, data, orderers: [PARTIES.orderer0], ...s.block })
  return {
    version: 1,
    kind: 'fabric-block',
    chain: 'fabric:bridge-channel',
    channel: CHANNEL,
    chaincode: CHAINCODE,
    blockNumber: (s.block?.number ?? 42n).toString(),
    block: Buffer.from(block).toString('base64'),
    txIndex: data.length - 1,
    mspRoots: MSP_ROOTS,
    ordererMspIds: ['OrdererMSP'],
    endorsementPolicy: POLICY,
    message: `0x${Buffer.from(encoded).toString('hex')}`,
    ...s.bundle,
  }
}

/** The trust a relayer would configure for the synthetic network. */
export const TRUST = {
  channel: CHANNEL,
  chaincode: CHAINCODE,
  mspRoots: MSP_ROOTS,
  ordererMspIds: ['OrdererMSP'],
  endorsementPolicy: POLICY,
}

/** Re-encode a decoded block (to tamper with one part of a real block). */
export const encodeBlock = (b: {
  number: bigint
  previousHash: Uint8Array
  dataHash: Uint8Array
  data: Uint8Array[]
  metadata: Uint8Array[]
}): Uint8Array =>
  pb([1, pb([1, b.number], [2, b.previousHash], [3, b.dataHash])], [2, pbList(1, b.data)], [3, pbList(1, b.metadata)])

/** Replace the signature of MetadataSignature `i` in a SIGNATURES metadata entry. */
export const replaceOrdererSig = (metadata0: Uint8Array, f: (sig: Uint8Array) => Uint8Array): Uint8Array => {
  const fields = readAll(metadata0)
  const value = fields.find(([n]) => n === 1)?.[1]
  const sigs = fields
    .filter(([n]) => n === 2)
    .map(([, s]) => {
      const ms = readAll(s)
      return pb(...ms.map(([n, v]): Field => [n, n === 2 ? f(v) : v]))
    })
  return Buffer.concat([pb([1, value]), pbList(2, sigs)])
}

/** Length-delimited fields of a message (test helper; the verifier has its own strict reader). */
export const readAll = (buf: Uint8Array): Array<[number, Uint8Array]> => {
  const out: Array<[number, Uint8Array]> = []
  let pos = 0
  const rv = (): number => {
    let v = 0
    let m = 1
    for (;;) {
      const b = buf[pos++]!
      v += (b & 0x7f) * m
      if (b < 0x80) return v
      m *= 128
    }
  }
  while (pos < buf.length) {
    const tag = rv()
    const len = rv()
    out.push([tag >> 3, buf.subarray(pos, pos + len)])
    pos += len
  }
  return out
}
