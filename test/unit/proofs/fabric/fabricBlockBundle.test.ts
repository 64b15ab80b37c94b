import { BundleInvalidError, InvalidProofError } from '../../../../errors.js'
import type { FabricTrustOptions } from '../../../../proofs/fabric/types.js'
import { verifyFabricBlockBundle } from '../../../../proofs/fabric/verifyFabricBlockBundle.js'
import { verifyProofBundle } from '../../../../proofs/index.js'
import { encodeMessage } from '../../../../protocol/index.js'
import { thrown } from '../../../harness/thrown.js'
import {
  type BundleSpec,
  buildBundle,
  buildEnvelope,
  CHAINCODE,
  CHANNEL,
  flipLastByte,
  MSP_ROOTS,
  messageFrom,
  PARTIES,
  pem,
  TRUST,
  TX_TIME_MS,
  toHighS,
} from './fabricBlockBuilder.js'

const rejection = (spec: BundleSpec, opts: FabricTrustOptions = TRUST): InvalidProofError => {
  const e = thrown(() => verifyFabricBlockBundle(buildBundle(spec), opts))
  expect(e).toBeInstanceOf(InvalidProofError)
  return e as InvalidProofError
}
const otherTx = () =>
  buildEnvelope({
    channel: CHANNEL,
    chaincode: CHAINCODE,
    creator: PARTIES.org1Client,
    endorsers: [PARTIES.org1Peer, PARTIES.org2Peer],
    timestampMs: TX_TIME_MS - 5,
  })

describe('verifyFabricBlockBundle', () => {
  it('proves the message of a Dispatch event in a valid, endorsed, orderer-signed transaction', () => {
    const r = verifyFabricBlockBundle(buildBundle(), TRUST)
    expect(r).toMatchObject({
      chain: 'fabric:bridge-channel',
      channel: CHANNEL,
      chaincode: CHAINCODE,
      blockNumber: 42n,
      txIndex: 0,
      creatorMspId: 'Org1MSP',
      endorsingMspIds: ['Org1MSP', 'Org2MSP'],
      ordererSigners: 1,
      isSelfAnchored: false,
    })
    expect(r.message).toEqual(messageFrom(PARTIES.org1Client))
    expect(r.blockHash).toMatch(/^0x[0-9a-f]{64}$/)
  })

  it('accepts the event payload as JSON {"message": "0x…"} and a transaction after others in the block', () => {
    const m = messageFrom(PARTIES.org1Client, 7n)
    const payload = new TextEncoder().encode(
      JSON.stringify({ message: `0x${Buffer.from(encodeMessage(m)).toString('hex')}`, id: 'x' }),
    )
    const r = verifyFabricBlockBundle(
      buildBundle({ message: m, eventPayload: payload, before: [otherTx(), otherTx()] }),
      TRUST,
    )
    expect(r.txIndex).toBe(2)
    expect(r.message.nonce).toBe(7n)
  })

  it('accepts a 2-of-3 policy, two orderer signers when two are required, and intermediate CAs', () => {
    const opts = {
      ...TRUST,
      endorsementPolicy: { signedBy: ['Org1MSP', 'Org2MSP', 'Org3MSP'], rule: { outOf: 2 } },
      minOrdererSignatures: 2,
    }
    const r = verifyFabricBlockBundle(buildBundle({ block: { orderers: [PARTIES.orderer0, PARTIES.orderer1] } }), opts)
    expect(r.ordererSigners).toBe(2)
  })

  it('accepts plain PEM lists as MSP roots and the bundle anchors only when acknowledged', () => {
    const doc = buildBundle()
    expect(rejection({}, { channel: CHANNEL }).reason).toBe('UNKNOWN_AUTHORITY')
    expect(verifyFabricBlockBundle(doc, { trustBundleAnchors: true }).isSelfAnchored).toBe(true)
    const lists = { Org1MSP: [pem('org1-root')], Org2MSP: [pem('org2-root')], OrdererMSP: [pem('orderer-root')] }
    // Org1's identities are issued by its intermediate CA: the root alone does not reach them.
    expect(thrown(() => verifyFabricBlockBundle(doc, { ...TRUST, mspRoots: lists }))).toMatchObject({
      reason: 'CERT_CHAIN_INVALID',
    })
    const withIca = { ...lists, Org1MSP: MSP_ROOTS.Org1MSP }
    expect(verifyFabricBlockBundle(doc, { ...TRUST, mspRoots: withIca }).isSelfAnchored).toBe(false)
  })

  const TAMPERED: Array<[string, BundleSpec, string, string?, FabricTrustOptions?]> = [
    ['a flipped creator signature', { tx: { creatorSig: flipLastByte } }, 'SIGNATURE_INVALID', 'creator'],
    ['a high-S creator signature', { tx: { creatorSig: toHighS } }, 'SIGNATURE_INVALID', 'high-S'],
    [
      'a flipped endorsement signature',
      { tx: { endorsementSig: (i, s) => (i === 1 ? flipLastByte(s) : s) } },
      'SIGNATURE_INVALID',
      'endorsement 1',
    ],
    [
      'a high-S endorsement',
      { tx: { endorsementSig: (i, s) => (i === 0 ? toHighS(s) : s) } },
      'SIGNATURE_INVALID',
      'high-S',
    ],
    [
      'a flipped orderer signature',
      { block: { ordererSig: (_i, s) => flipLastByte(s) } },
      'SIGNATURE_INVALID',
      'orderer signature 0',
    ],
    ['a high-S orderer signature', { block: { ordererSig: (_i, s) => toHighS(s) } }, 'SIGNATURE_INVALID', 'high-S'],
    [
      'an orderer signature by a peer (not an orderer MSP)',
      { block: { orderers: [PARTIES.org1Peer] } },
      'UNKNOWN_AUTHORITY',
      'not an orderer MSP',
    ],
    [
      'a BFT signature naming its consenter by id',
      { block: { useIdentifierHeader: true } },
      'UNKNOWN_AUTHORITY',
      'consenter',
    ],
    [
      'one orderer signature when two are required',
      {},
      'QUORUM_NOT_MET',
      undefined,
      { ...TRUST, minOrdererSignatures: 2 },
    ],
    [
      'one organisation endorsing twice (policy needs both)',
      { tx: { endorsers: [PARTIES.org1Peer, PARTIES.org1Client] } },
      'POLICY_NOT_SATISFIED',
      'Org1MSP',
    ],
    [
      'an endorsement by an organisation outside the trust',
      { tx: { endorsers: [PARTIES.org1Peer, PARTIES.evilPeer] } },
      'UNKNOWN_AUTHORITY',
      'EvilMSP',
    ],
    [
      'an Org2 certificate issued by another CA',
      { tx: { endorsers: [PARTIES.org1Peer, PARTIES.rogueOrg2] } },
      'CERT_CHAIN_INVALID',
      'does not chain',
    ],
    [
      'a CA certificate used as an endorser identity',
      { tx: { endorsers: [PARTIES.org1Peer, PARTIES.org2RootAsIdentity] } },
      'CERT_CHAIN_INVALID',
      'CA certificate',
    ],
    [
      'certificates not yet valid at the transaction time',
      { tx: { timestampMs: Date.UTC(2020, 0, 1) } },
      'CERT_CHAIN_INVALID',
      'not valid at',
    ],
    ['no endorsements', { tx: { endorsers: [] } }, 'POLICY_NOT_SATISFIED'],
    ['a validation code other than VALID', { block: { filter: [12] } }, 'VALIDATION_CODE'],
    ["a header data hash that is not the data's", { block: { dataHash: new Uint8Array(32) } }, 'HASH_MISMATCH'],
    ['a tx id that is not sha256(nonce ‖ creator)', { tx: { txId: 'ab'.repeat(32) } }, 'HASH_MISMATCH', 'tx_id'],
    [
      'endorsements of another proposal',
      { tx: { proposalHash: new Uint8Array(32) } },
      'HASH_MISMATCH',
      'proposal hash',
    ],
    ['a transaction on another channel', { tx: { channel: 'other' } }, 'CHAIN_MISMATCH'],
    ['a transaction of another chaincode', { tx: { chaincode: 'other' } }, 'EMITTER_NOT_BRIDGE'],
    [
      'an event set by another chaincode',
      {
        eventPayload: undefined,
        tx: { event: { name: 'Dispatch', payload: new Uint8Array(1), chaincodeId: 'other' } },
      },
      'EMITTER_NOT_BRIDGE',
    ],
    ['a failed chaincode response (500)', { tx: { responseStatus: 500 } }, 'TX_FAILED'],
    ['a config transaction', { tx: { type: 1 } }, 'LOG_NOT_FOUND'],
    ['two actions in the transaction', { tx: { extraActions: 1 } }, 'MALFORMED_ENCODING'],
    ['no chaincode event', { tx: { event: undefined } }, 'LOG_NOT_FOUND'],
    ['an event of another name', { tx: { event: { name: 'Transfer', payload: new Uint8Array(1) } } }, 'LOG_NOT_FOUND'],
    [
      'an event naming another transaction',
      { tx: { event: { name: 'Dispatch', payload: new Uint8Array(1), txId: 'cd'.repeat(32) } } },
      'LOG_NOT_FOUND',
    ],
    [
      "a bundle message that is not the event's",
      { bundle: { message: `0x${Buffer.from(encodeMessage(messageFrom(PARTIES.org1Client, 2n))).toString('hex')}` } },
      'MESSAGE_MISMATCH',
    ],
    [
      'an event payload that is not a canonical message',
      { eventPayload: Uint8Array.of(9, 9, 9), bundle: { message: '0x090909' } },
      'MESSAGE_MISMATCH',
      'canonical',
    ],
    [
      'an event JSON without a message field',
      { eventPayload: new TextEncoder().encode('{"msg":"0x00"}') },
      'MESSAGE_MISMATCH',
    ],
    [
      'an event payload that is broken JSON',
      { eventPayload: new TextEncoder().encode('{"message":') },
      'MESSAGE_MISMATCH',
    ],
    [
      'a message whose sender is not the transaction creator',
      { message: messageFrom(PARTIES.org2Peer) },
      'MESSAGE_MISMATCH',
      'sender',
    ],
    ['a wrong bundle id', { bundle: { id: `0x${'00'.repeat(32)}` } }, 'MESSAGE_MISMATCH', 'id'],
    ['an event index other than 0', { bundle: { eventIndex: 1 } }, 'LOG_NOT_FOUND'],
    ['a transaction index out of range', { bundle: { txIndex: 1 } }, 'VALUE_ABSENT'],
    ["a block number that is not the header's", { bundle: { blockNumber: '41' } }, 'HEADER_MISMATCH'],
    ['a bundle for another channel than trusted', { bundle: { channel: 'other' } }, 'CHAIN_MISMATCH'],
    ['a bundle for another chaincode than trusted', { bundle: { chaincode: 'other' } }, 'EMITTER_NOT_BRIDGE'],
    [
      'a trusted block hash of another block',
      {},
      'HEADER_MISMATCH',
      undefined,
      { ...TRUST, trustedBlockHash: `0x${'11'.repeat(32)}` },
    ],
  ]
  // Rows as objects: jest passes a done callback to a row shorter than the test's parameter list.
  it.each(TAMPERED.map(([name, spec, reason, detail, opts]) => ({ name, spec, reason, detail, opts })))(
    'refuses $name',
    ({ spec, reason, detail, opts }) => {
      const e = rejection(spec, opts)
      expect(e.reason).toBe(reason)
      if (detail !== undefined) expect(e.message).toContain(detail)
    },
  )

  it("ignores the bundle's own anchors when the caller gives its own", () => {
    const doc = buildBundle({
      tx: { endorsers: [PARTIES.org1Peer, PARTIES.evilPeer] },
      bundle: {
        mspRoots: { ...MSP_ROOTS, EvilMSP: [pem('evil-root')] },
        endorsementPolicy: { signedBy: ['Org1MSP', 'EvilMSP'], rule: 'AND' },
      },
    })
    expect(verifyFabricBlockBundle(doc, { trustBundleAnchors: true }).endorsingMspIds).toEqual(['EvilMSP', 'Org1MSP'])
    expect(thrown(() => verifyFabricBlockBundle(doc, TRUST))).toMatchObject({ reason: 'UNKNOWN_AUTHORITY' })
  })

  const MALFORMED: Array<[string, Record<string, unknown>, string]> = [
    ['kind', { kind: 'evm-receipt' }, 'kind'],
    ['version', { version: 2 }, 'version'],
    ['chain', { chain: 'evm:1' }, 'chain'],
    ['blockNumber', { blockNumber: 42 }, 'blockNumber'],
    ['block', { block: 'not base64!' }, 'block'],
    ['txIndex', { txIndex: -1 }, 'txIndex'],
    ['eventIndex', { eventIndex: 'a' }, 'eventIndex'],
    ['message', { message: '0x1' }, 'message'],
    ['id', { id: '0x12' }, 'id'],
    ['channel', { channel: '' }, 'channel'],
    ['mspRoots', { mspRoots: {} }, 'mspRoots'],
    ['mspRoots entry', { mspRoots: { Org1MSP: { rootCerts: [] } } }, 'mspRoots.Org1MSP.rootCerts'],
    [
      'intermediateCerts',
      { mspRoots: { Org1MSP: { rootCerts: ['x'], intermediateCerts: [1] } } },
      'mspRoots.Org1MSP.intermediateCerts[0]',
    ],
    ['ordererMspIds', { ordererMspIds: [] }, 'ordererMspIds'],
    ['endorsementPolicy', { endorsementPolicy: { signedBy: ['A'], rule: { outOf: 2 } } }, 'endorsementPolicy.rule'],
    ['endorsementPolicy.signedBy', { endorsementPolicy: { signedBy: 'A', rule: 'AND' } }, 'endorsementPolicy.signedBy'],
  ]
  it.each(MALFORMED)('refuses a bundle with a malformed %s (BUNDLE_INVALID)', (_name, patch, field) => {
    const e = thrown(() => verifyFabricBlockBundle({ ...buildBundle(), ...patch }, TRUST))
    expect(e).toBeInstanceOf(BundleInvalidError)
    expect((e as BundleInvalidError).meta['field']).toBe(field)
  })

  it('is dispatched by verifyProofBundle with opts.fabric, and the top-level trustedBlockHash applies', () => {
    const doc = buildBundle()
    const r = verifyProofBundle(doc, { fabric: TRUST })
    expect(r).toMatchObject({ kind: 'fabric-block', creatorMspId: 'Org1MSP' })
    expect(verifyProofBundle(doc, { fabric: TRUST, trustedBlockHash: r.blockHash }).kind).toBe('fabric-block')
    expect(
      thrown(() => verifyProofBundle(doc, { fabric: TRUST, trustedBlockHash: `0x${'00'.repeat(32)}` })),
    ).toMatchObject({
      reason: 'HEADER_MISMATCH',
    })
  })

  it('refuses a root certificate that does not parse', () => {
    const opts = {
      ...TRUST,
      mspRoots: { ...MSP_ROOTS, Org2MSP: ['-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'] },
    }
    expect(thrown(() => verifyFabricBlockBundle(buildBundle(), opts))).toMatchObject({ reason: 'CERT_CHAIN_INVALID' })
  })
})
