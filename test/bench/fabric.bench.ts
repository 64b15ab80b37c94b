import { readFileSync } from 'node:fs'
import { common, msp, peer } from '@hyperledger/fabric-protos'
import { p256 } from '@noble/curves/nist.js'
import { verifyP256Signature } from '../../proofs/fabric/verifyP256Signature.js'
import {
  blockHeaderBytes,
  createMspTrust,
  decodeEndorserTransaction,
  decodeFabricBlock,
  verifyProofBundle,
} from '../../proofs/index.js'
import { buildBundle, MSP_ROOTS, TRUST } from '../unit/proofs/fabric/fabricBlockBuilder.js'
import { compare } from './compareRates.js'
import type { BenchEntry, BenchModule } from './types.js'

// Fabric proofs: P-256 checks on the real signatures of the sample network blocks (test/fixtures/fabric),
// whole fabric-block bundles (2-organisation AND policy), and strict decoding of the real blocks.
const MEASURE_MS = 2000
const DIR = new URL('../fixtures/fabric/sampleorg-devnet-mychannel/', import.meta.url)
const blocks = [1, 2, 3, 4, 5, 6, 7].map((n) => Uint8Array.from(readFileSync(new URL(`block_${n}.block`, DIR))))
const roots = JSON.parse(readFileSync(new URL('msp_root_certs.json', DIR), 'utf8'))

type Trust = ReturnType<typeof createMspTrust>
interface SignedItem {
  key: ReturnType<Trust['signingKey']>
  /** The uncompressed public point, for @noble/curves. */
  point: Uint8Array
  data: Uint8Array
  sig: Uint8Array
}

/** Every signature of blocks 1-7: the orderer's, the creator's and the endorsement (21 in all). */
const realSignatures = (): SignedItem[] => {
  const trust = createMspTrust(roots)
  const items: SignedItem[] = []
  const add = (mspId: string, cert: Uint8Array, data: Uint8Array, sig: Uint8Array, atMs: number) => {
    const key = trust.signingKey(mspId, cert, atMs, 'bench')
    // The SPKI DER of a P-256 key ends with its 65-byte uncompressed point.
    items.push({ key, point: key.export({ format: 'der', type: 'spki' }).subarray(-65), data, sig })
  }
  for (const bytes of blocks) {
    const b = decodeFabricBlock(bytes)
    const tx = decodeEndorserTransaction(b.data[0]!)
    const md = common.Metadata.deserializeBinary(b.metadata[0]!)
    const ms = md.getSignaturesList()[0]!
    const orderer = msp.SerializedIdentity.deserializeBinary(
      common.SignatureHeader.deserializeBinary(ms.getSignatureHeader_asU8()).getCreator_asU8(),
    )
    const signed = Buffer.concat([md.getValue_asU8(), ms.getSignatureHeader_asU8(), blockHeaderBytes(b)])
    add(orderer.getMspid(), orderer.getIdBytes_asU8(), signed, ms.getSignature_asU8(), tx.timestampMs)
    add(tx.creator.mspId, tx.creator.idBytes, tx.payload, tx.signature, tx.timestampMs)
    for (const e of tx.endorsements) {
      const data = Buffer.concat([tx.proposalResponsePayload, e.endorser.raw])
      add(e.endorser.mspId, e.endorser.idBytes, data, e.signature, tx.timestampMs)
    }
  }
  return items
}

/** The same nested messages with fabric-protos (google-protobuf generated classes). */
const decodeWithFabricProtos = (bytes: Uint8Array): unknown => {
  const block = common.Block.deserializeBinary(bytes)
  const env = common.Envelope.deserializeBinary(block.getData()!.getDataList_asU8()[0]!)
  const payload = common.Payload.deserializeBinary(env.getPayload_asU8())
  common.ChannelHeader.deserializeBinary(payload.getHeader()!.getChannelHeader_asU8())
  const sh = common.SignatureHeader.deserializeBinary(payload.getHeader()!.getSignatureHeader_asU8())
  msp.SerializedIdentity.deserializeBinary(sh.getCreator_asU8())
  const tx = peer.Transaction.deserializeBinary(payload.getData_asU8())
  const cap = peer.ChaincodeActionPayload.deserializeBinary(tx.getActionsList()[0]!.getPayload_asU8())
  const action = cap.getAction()!
  for (const e of action.getEndorsementsList()) msp.SerializedIdentity.deserializeBinary(e.getEndorser_asU8())
  const prp = peer.ProposalResponsePayload.deserializeBinary(action.getProposalResponsePayload_asU8())
  const cca = peer.ChaincodeAction.deserializeBinary(prp.getExtension_asU8())
  return peer.ChaincodeEvent.deserializeBinary(cca.getEvents_asU8())
}

const bench: BenchModule = {
  title: 'Fabric block proofs',
  run: async (): Promise<BenchEntry[]> => {
    const sigs = realSignatures()
    const [ours, noble] = await compare(
      sigs.length,
      () => {
        for (const s of sigs) verifyP256Signature(s.key, s.data, s.sig, 'bench')
      },
      () => {
        for (const s of sigs) {
          if (!p256.verify(s.sig, s.data, s.point, { format: 'der', lowS: true })) throw new RangeError('bad signature')
        }
      },
      MEASURE_MS,
    )
    const doc = buildBundle()
    // The reference re-parses and re-chains every certificate for each bundle (a fresh trust object).
    const [warm, cold] = await compare(
      1,
      () => verifyProofBundle(doc, { fabric: TRUST }),
      () => verifyProofBundle(doc, { fabric: { ...TRUST, mspRoots: { ...MSP_ROOTS } } }),
      MEASURE_MS,
    )
    const [decodeOurs, decodeProtos] = await compare(
      blocks.length,
      () => {
        for (const b of blocks) decodeEndorserTransaction(decodeFabricBlock(b).data[0]!)
      },
      () => {
        for (const b of blocks) decodeWithFabricProtos(b)
      },
      MEASURE_MS,
    )
    const conditions = `${MEASURE_MS / 1000} s per figure (ours and the baseline interleaved in 250 ms slices), single thread, node ${process.version}; signatures: the 21 real ECDSA P-256 signatures of sample-network blocks 1-7 (orderer, creator, endorsement); bundle: one transaction, 1 orderer signature + creator + 2 endorsements (4 P-256 verifications, 6 certificates, Org1 through an intermediate CA)`
    return [
      {
        name: 'Fabric P-256 signature verifications (strict DER + low-S + node:crypto)',
        value: ours,
        unit: 'signatures/s',
        betterWhen: 'higher',
        baseline: { name: '@noble/curves p256.verify (der, lowS)', value: noble },
        ratio: ours / noble,
        conditions,
      },
      {
        name: 'fabric-block bundle verifications (verifyProofBundle, 2-org AND policy)',
        value: warm,
        unit: 'bundles/s',
        betterWhen: 'higher',
        baseline: { name: 'same, certificates re-parsed and re-chained per bundle', value: cold },
        ratio: warm / cold,
        conditions,
      },
      {
        name: 'Fabric block + transaction strict decoding (real blocks 1-7)',
        value: decodeOurs,
        unit: 'blocks/s',
        betterWhen: 'higher',
        baseline: { name: '@hyperledger/fabric-protos deserializeBinary, same messages', value: decodeProtos },
        ratio: decodeOurs / decodeProtos,
        conditions,
      },
    ]
  },
}
export default bench
