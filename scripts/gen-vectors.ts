// Writes test/vectors/messages.json. Ids are computed with ethers' solidityPacked (an
// implementation independent of protocol/) and cross-checked against protocol/ before writing.
import { writeFileSync } from 'node:fs'
import { keccak256, sha256, solidityPacked, toUtf8Bytes } from 'ethers'
import { attestationDigest, encodeMessage, evmBridgeRef, messageId } from '../protocol/index.js'
import type { Hex, Message } from '../types.js'

const h = (n: number, fill: string): Hex => `0x${fill.repeat(n)}` as Hex
const pad = (addr: string): Hex => `0x${'00'.repeat(12)}${addr.slice(2).toLowerCase()}` as Hex
const bytesOf = (len: number, seed: number): Hex =>
  `0x${Array.from({ length: len }, (_, i) => ((i * 31 + seed) & 0xff).toString(16).padStart(2, '0')).join('')}` as Hex
const transfer = (asset: Hex, amount: bigint, beneficiary: Hex): Hex =>
  solidityPacked(['uint8', 'bytes32', 'uint256', 'bytes32'], [1, asset, amount, beneficiary]) as Hex

const alice = pad('0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266')
const bob = pad('0x70997970C51812dc3A010C7d01b50e0d17dc79C8')
const substrateAlice = '0xd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d' as Hex
const fabricSender = sha256(
  toUtf8Bytes('Org1MSP-----BEGIN CERTIFICATE-----\nMIIB...\n-----END CERTIFICATE-----\n'),
) as Hex
const asset = keccak256(
  solidityPacked(
    ['string', 'uint32', 'bytes32'],
    ['ISTHMUS/asset', 1, pad('0x5FbDB2315678afecb367f032d93F642f64180aa3')],
  ),
) as Hex

const base: Message = { version: 1, nonce: 0n, origin: 1, sender: alice, destination: 2, recipient: bob, body: '0x00' }
const cases: Array<[string, Partial<Message>]> = [
  ['app message, empty payload', {}],
  ['empty body', { body: '0x' }],
  ['app message, short payload', { nonce: 1n, body: '0x0068656c6c6f' }],
  ['app message, 64-byte payload', { nonce: 2n, body: `0x00${bytesOf(64, 7).slice(2)}` as Hex }],
  ['body of exactly 64 KiB', { nonce: 3n, body: bytesOf(65536, 1).replace(/^0x../, '0x00') as Hex }],
  ['body of 64 KiB minus one byte', { nonce: 4n, body: bytesOf(65535, 2).replace(/^0x../, '0x00') as Hex }],
  ['maximum nonce', { nonce: 2n ** 64n - 1n }],
  ['nonce 2^32 (beyond uint32)', { nonce: 2n ** 32n }],
  ['maximum origin and destination domains', { origin: 0xffffffff, destination: 0xfffffffe }],
  ['domain zero', { origin: 0, destination: 0 }],
  ['token transfer', { nonce: 5n, body: transfer(asset, 10n ** 18n, bob) }],
  ['token transfer of zero', { nonce: 6n, body: transfer(asset, 0n, bob) }],
  ['token transfer of 2^256-1', { nonce: 7n, body: transfer(asset, 2n ** 256n - 1n, bob) }],
  [
    'Substrate AccountId32 sender',
    { origin: 1000, nonce: 12n, sender: substrateAlice, body: transfer(asset, 5n, bob) },
  ],
  [
    'Substrate AccountId32 recipient',
    { destination: 1000, recipient: substrateAlice, body: transfer(asset, 5n, substrateAlice) },
  ],
  ['Fabric sender (sha256 of MSP id + cert)', { origin: 3, sender: fabricSender, body: '0x0001' }],
  ['Fabric recipient', { destination: 3, recipient: fabricSender, body: transfer(asset, 42n, fabricSender) }],
  ['all-zero sender and recipient', { sender: h(32, '00'), recipient: h(32, '00') }],
  ['all-ones sender and recipient', { sender: h(32, 'ff'), recipient: h(32, 'ff') }],
  ['unknown body kind (codec accepts, executors refuse)', { body: '0x02ab' }],
  ['body kind 1 with wrong length (codec accepts, executors refuse)', { body: '0x01ab' }],
  ['same route, next nonce', { nonce: 1n }],
]

const valid = cases.map(([name, over]) => {
  const m: Message = { ...base, ...over }
  const packed = solidityPacked(
    ['uint8', 'uint64', 'uint32', 'bytes32', 'uint32', 'bytes32', 'bytes'],
    [m.version, m.nonce, m.origin, m.sender, m.destination, m.recipient, m.body],
  )
  const id = keccak256(packed) as Hex
  if (id !== messageId(m) || packed !== `0x${Buffer.from(encodeMessage(m)).toString('hex')}`) {
    throw new Error(`protocol/ disagrees with solidityPacked on vector "${name}"`)
  }
  const destinationBridge = evmBridgeRef(31337n, '0x5FbDB2315678afecb367f032d93F642f64180aa3')
  const digest = attestationDigest({ epoch: 1n, destination: m.destination, destinationBridge, id })
  const digestRef = keccak256(
    solidityPacked(
      ['string', 'uint64', 'uint32', 'bytes32', 'bytes32'],
      ['ISTHMUS/v1', 1n, m.destination, destinationBridge, id],
    ),
  )
  if (digest !== digestRef) throw new Error(`digest disagrees on vector "${name}"`)
  return {
    name,
    message: { ...m, nonce: m.nonce.toString() },
    encoded: packed,
    id,
    attestation: { epoch: '1', destinationBridge, digest },
  }
})

const header = (m: Message): string => encodeMessageHex({ ...m, body: '0x' })
const encodeMessageHex = (m: Message): string => `0x${Buffer.from(encodeMessage(m)).toString('hex')}`
const invalid = [
  { name: 'body of 64 KiB plus one byte', encoded: `${header(base)}${'00'.repeat(65537)}`, error: 'BODY_TOO_LARGE' },
  { name: 'version 2', encoded: `0x02${header(base).slice(4)}`, error: 'UNSUPPORTED_VERSION' },
  { name: 'version 0', encoded: `0x00${header(base).slice(4)}`, error: 'UNSUPPORTED_VERSION' },
  { name: 'truncated header (80 bytes)', encoded: header(base).slice(0, 2 + 160), error: 'MESSAGE_INVALID' },
  { name: 'empty input', encoded: '0x', error: 'MESSAGE_INVALID' },
]

writeFileSync(
  new URL('../test/vectors/messages.json', import.meta.url),
  `${JSON.stringify({ description: 'Canonical Isthmus message vectors (DESIGN.md "The message"). Loaded by the TypeScript and Solidity tests.', valid, invalid }, null, 1)}\n`,
)
process.stdout.write(`wrote ${valid.length} valid and ${invalid.length} invalid vectors\n`)
