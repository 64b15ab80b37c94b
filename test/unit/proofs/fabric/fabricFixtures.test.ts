import { readFileSync } from 'node:fs'
import { common } from '@hyperledger/fabric-protos'
import { InvalidProofError } from '../../../../errors.js'
import { fabricBlockHash, fabricDataHash } from '../../../../proofs/fabric/blockHeaderBytes.js'
import { createMspTrust } from '../../../../proofs/fabric/createMspTrust.js'
import { decodeEndorserTransaction } from '../../../../proofs/fabric/decodeEndorserTransaction.js'
import { decodeFabricBlock } from '../../../../proofs/fabric/decodeFabricBlock.js'
import type { FabricBlock } from '../../../../proofs/fabric/types.js'
import { verifyFabricTransaction } from '../../../../proofs/fabric/verifyFabricTransaction.js'
import { verifyOrdererSignatures } from '../../../../proofs/fabric/verifyOrdererSignatures.js'
import { thrown } from '../../../harness/thrown.js'
import { encodeBlock, flipLastByte, MSP_ROOTS, replaceOrdererSig, toHighS } from './fabricBlockBuilder.js'

// Real blocks written by Fabric peers and orderers (test/fixtures/fabric/README.md).
const DIR = new URL('../../../fixtures/fabric/', import.meta.url)
const read = (p: string): Uint8Array => Uint8Array.from(readFileSync(new URL(p, DIR)))
const blockFile = (n: number): Uint8Array =>
  read(n === 8 ? 'sampleorg-devnet-mychannel-glued-tx/block_8.block' : `sampleorg-devnet-mychannel/block_${n}.block`)
const roots = JSON.parse(readFileSync(new URL('sampleorg-devnet-mychannel/msp_root_certs.json', DIR), 'utf8'))
const trust = createMspTrust(roots)
const HEADER_HASHES: Record<number, string> = {
  0: 'c4a1491ab9a62e9125b3cbab3a782ea1f56e24c608620d85bb940585d059a2a1',
  7: 'ba00545bfd2681a2453c26b281ea932fedf53bc40c5dd5a9091ab8df8fc4d371',
}
// Blocks 1-3 approve and commit the marbles definition through _lifecycle; 4-7 invoke marbles.
const chaincodeOf = (n: number): string => (n <= 3 ? '_lifecycle' : 'marbles')
const verify = (block: Uint8Array, over: Partial<Parameters<typeof verifyFabricTransaction>[0]> = {}) =>
  verifyFabricTransaction({
    block,
    txIndex: 0,
    channel: 'mychannel',
    chaincode: 'marbles',
    trust,
    ordererMspIds: ['SampleOrg'],
    endorsementPolicy: { signedBy: ['SampleOrg'], rule: 'AND' },
    ...over,
  })
const reasonOf = (f: () => unknown): string | undefined => {
  const e = thrown(f)
  expect(e).toBeInstanceOf(InvalidProofError)
  return (e as InvalidProofError).reason
}
const tamper = (n: number, f: (b: FabricBlock) => Partial<FabricBlock>): Uint8Array => {
  const b = decodeFabricBlock(blockFile(n))
  return encodeBlock({ ...b, ...f(b) })
}

const gluedHeader = () => common.Block.deserializeBinary(blockFile(8)).getHeader()!
/** Block 8 decoded leniently (protobuf merge semantics), as a permissive parser would see it. */
const gluedLenient = (): FabricBlock => {
  const b = common.Block.deserializeBinary(blockFile(8))
  return {
    number: BigInt(b.getHeader()!.getNumber()),
    previousHash: b.getHeader()!.getPreviousHash_asU8(),
    dataHash: b.getHeader()!.getDataHash_asU8(),
    data: b.getData()!.getDataList_asU8(),
    metadata: b.getMetadata()!.getMetadataList_asU8(),
  }
}

describe('Fabric sample network blocks (real fixtures)', () => {
  it('hashes block headers as Fabric does and links each block to its parent', () => {
    let previous: Uint8Array | undefined
    for (let n = 0; n <= 7; n++) {
      const b = decodeFabricBlock(blockFile(n))
      const hash = fabricBlockHash(b)
      if (HEADER_HASHES[n]) expect(hash.toString('hex')).toBe(HEADER_HASHES[n])
      if (previous) expect(Buffer.from(b.previousHash)).toEqual(Buffer.from(previous))
      expect(fabricDataHash(b.data)).toEqual(Buffer.from(b.dataHash))
      previous = hash
    }
    expect(Buffer.from(gluedHeader().getPreviousHash_asU8()).toString('hex')).toBe(HEADER_HASHES[7])
  })

  it.each([1, 2, 3, 4, 5, 6, 7])('verifies block %i: orderer signature, creator signature, endorsement', (n) => {
    const r = verify(blockFile(n), { chaincode: chaincodeOf(n), blockNumber: BigInt(n) })
    expect(r.blockHash.slice(2)).toBe(fabricBlockHash(decodeFabricBlock(blockFile(n))).toString('hex'))
    expect(r.ordererSigners).toBe(1)
    expect(r.endorsingMspIds).toEqual(['SampleOrg'])
    expect(r.tx.creator.mspId).toBe('SampleOrg')
    expect(r.tx.txId).toMatch(/^[0-9a-f]{64}$/)
  })

  it('decodes what fabric-protos (google-protobuf) decodes, field for field', () => {
    for (let n = 1; n <= 7; n++) {
      const ours = decodeEndorserTransaction(decodeFabricBlock(blockFile(n)).data[0]!)
      const env = common.Envelope.deserializeBinary(
        common.Block.deserializeBinary(blockFile(n)).getData()!.getDataList_asU8()[0]!,
      )
      const payload = common.Payload.deserializeBinary(env.getPayload_asU8())
      const ch = common.ChannelHeader.deserializeBinary(payload.getHeader()!.getChannelHeader_asU8())
      expect(ours.txId).toBe(ch.getTxId())
      expect(ours.channelId).toBe(ch.getChannelId())
      expect(ours.type).toBe(ch.getType())
      expect(ours.timestampMs).toBe(ch.getTimestamp()!.toDate().getTime())
      expect(Buffer.from(ours.signature)).toEqual(Buffer.from(env.getSignature_asU8()))
      expect(ours.endorsements).toHaveLength(1)
    }
  })

  it('refuses the glued-transaction block 8 with TRAILING_DATA (Fabric: "transaction 0 has 3183 trailing bytes")', () => {
    const e = thrown(() => verify(blockFile(8), { blockNumber: 8n })) as InvalidProofError
    expect(e).toBeInstanceOf(InvalidProofError)
    expect(e.reason).toBe('TRAILING_DATA')
    expect(e.message).toContain('Block.data[0]')
    expect(e.message).toContain('3183 trailing bytes')
  })

  it('finds the orderer signature of glued block 8 invalid too (the header data hash was recomputed)', () => {
    const block = gluedLenient()
    expect(fabricDataHash(block.data)).toEqual(Buffer.from(block.dataHash))
    expect(
      reasonOf(() =>
        verifyOrdererSignatures(block, {
          trust,
          ordererMspIds: ['SampleOrg'],
          minSigners: 1,
          atMs: Date.UTC(2021, 2, 6),
        }),
      ),
    ).toBe('SIGNATURE_INVALID')
  })

  const TAMPERED: Array<[string, () => Uint8Array, Partial<Parameters<typeof verifyFabricTransaction>[0]>, string]> = [
    [
      'a flipped byte in the transaction data',
      () => tamper(7, (b) => ({ data: [flipLastByte(b.data[0]!)] })),
      {},
      'HASH_MISMATCH',
    ],
    [
      "a header data hash that is not the data's",
      () => tamper(7, (b) => ({ dataHash: flipLastByte(b.dataHash) })),
      {},
      'HASH_MISMATCH',
    ],
    [
      'a flipped orderer signature',
      () => tamper(7, (b) => ({ metadata: [replaceOrdererSig(b.metadata[0]!, flipLastByte), ...b.metadata.slice(1)] })),
      {},
      'SIGNATURE_INVALID',
    ],
    [
      'a high-S orderer signature (the same signature with s = n - s)',
      () => tamper(7, (b) => ({ metadata: [replaceOrdererSig(b.metadata[0]!, toHighS), ...b.metadata.slice(1)] })),
      {},
      'SIGNATURE_INVALID',
    ],
    [
      'a block without orderer signatures',
      () => tamper(7, (b) => ({ metadata: [new Uint8Array(0), ...b.metadata.slice(1)] })),
      {},
      'QUORUM_NOT_MET',
    ],
    [
      'another previous hash (the orderer signed the original header)',
      () => tamper(7, (b) => ({ previousHash: flipLastByte(b.previousHash) })),
      {},
      'SIGNATURE_INVALID',
    ],
    [
      'validation code MVCC_READ_CONFLICT (11) in TRANSACTIONS_FILTER',
      () =>
        tamper(7, (b) => ({ metadata: [b.metadata[0]!, b.metadata[1]!, Uint8Array.of(11), ...b.metadata.slice(3)] })),
      {},
      'VALIDATION_CODE',
    ],
    [
      'a TRANSACTIONS_FILTER of the wrong length',
      () =>
        tamper(7, (b) => ({ metadata: [b.metadata[0]!, b.metadata[1]!, Uint8Array.of(0, 0), ...b.metadata.slice(3)] })),
      {},
      'MALFORMED_ENCODING',
    ],
    ['a transaction index out of range', () => blockFile(7), { txIndex: 1 }, 'VALUE_ABSENT'],
    ['another block number than expected', () => blockFile(7), { blockNumber: 6n }, 'HEADER_MISMATCH'],
    [
      'a trusted block hash of another block',
      () => blockFile(7),
      { trustedBlockHash: `0x${HEADER_HASHES[0]}` },
      'HEADER_MISMATCH',
    ],
    ['another channel', () => blockFile(7), { channel: 'otherchannel' }, 'CHAIN_MISMATCH'],
    ['another chaincode', () => blockFile(7), { chaincode: 'isthmus' }, 'EMITTER_NOT_BRIDGE'],
    [
      'the orderer MSP not among the orderer MSPs',
      () => blockFile(7),
      { ordererMspIds: ['OrdererMSP'] },
      'UNKNOWN_AUTHORITY',
    ],
    [
      'roots of another CA for SampleOrg (certificates do not chain)',
      () => blockFile(7),
      { trust: createMspTrust({ SampleOrg: MSP_ROOTS.Org2MSP }) },
      'CERT_CHAIN_INVALID',
    ],
    [
      'a policy that needs an organisation that did not endorse',
      () => blockFile(7),
      { endorsementPolicy: { signedBy: ['SampleOrg', 'Org2MSP'], rule: 'AND' } },
      'POLICY_NOT_SATISFIED',
    ],
    ['a truncated block', () => blockFile(7).subarray(0, 4000), {}, 'MALFORMED_ENCODING'],
  ]
  it.each(TAMPERED)('refuses block 7 with %s', (_name, block, over, reason) => {
    expect(reasonOf(() => verify(block(), over))).toBe(reason)
  })
})
