import { decodeEndorserTransaction, decodeFabricBlock, verifyProofBundle } from '../../../proofs/index.js'
import { decodeMessage, messageId } from '../../../protocol/index.js'
import type { Hex } from '../../../types.js'
import { fabricClient, useFabricNetwork } from '../../harness/fabricNetwork.js'
import { thrown } from '../../harness/thrown.js'
import { encodeBlock, flipLastByte } from '../../unit/proofs/fabric/fabricBlockBuilder.js'

// A block of the real loopback Fabric network (two peer organisations, AND endorsement policy, one
// etcdraft orderer), fetched from a peer with qscc GetBlockByNumber, verified with the configured trust.
const fabric = useFabricNetwork({ domain: 77 })
const RECIPIENT = `0x${'00'.repeat(12)}${'55'.repeat(20)}` as Hex

const trust = () => ({
  channel: fabric.net.channel,
  chaincode: fabric.net.chaincode,
  mspRoots: fabric.net.mspRoots,
  ordererMspIds: fabric.net.ordererMspIds,
  endorsementPolicy: fabric.net.endorsementPolicy,
})

/** Submit a dispatch as Org1's user; return the committed block (as the peer stores it) and the tx id. */
const dispatchAndFetchBlock = async () => {
  const c = fabricClient(fabric.net, 'Org1MSP', 'user')
  try {
    const submitted = await c.contract.submitAsync('dispatch', { arguments: ['1', RECIPIENT, '0xc0ffee'] })
    const status = await submitted.getStatus()
    expect(status.successful).toBe(true)
    const qscc = c.network.getContract('qscc')
    const block = await qscc.evaluateTransaction('GetBlockByNumber', fabric.net.channel, status.blockNumber.toString())
    return { block, txId: submitted.getTransactionId(), blockNumber: status.blockNumber }
  } finally {
    c.close()
  }
}

describe('fabric-block proofs on a live Fabric network', () => {
  it('verifies a dispatch block fetched from a peer and refuses tampered or untrusted copies', async () => {
    const { block, txId, blockNumber } = await dispatchAndFetchBlock()
    const decoded = decodeFabricBlock(block)
    const txIndex = decoded.data.findIndex((d) => decodeEndorserTransaction(d).txId === txId)
    expect(txIndex).toBeGreaterThanOrEqual(0)
    const event = decodeEndorserTransaction(decoded.data[txIndex]!).event!
    const message = `0x${Buffer.from(event.payload).toString('hex')}` as Hex
    const doc = (blockBytes: Uint8Array) => ({
      version: 1,
      kind: 'fabric-block',
      chain: `fabric:${fabric.net.channel}`,
      channel: fabric.net.channel,
      chaincode: fabric.net.chaincode,
      blockNumber: blockNumber.toString(),
      block: Buffer.from(blockBytes).toString('base64'),
      txIndex,
      mspRoots: fabric.net.mspRoots,
      ordererMspIds: fabric.net.ordererMspIds,
      endorsementPolicy: fabric.net.endorsementPolicy,
      message,
    })

    const r = verifyProofBundle(doc(block), { fabric: trust() })
    expect(r).toMatchObject({
      kind: 'fabric-block',
      id: messageId(decodeMessage(event.payload)),
      txId,
      blockNumber,
      creatorMspId: 'Org1MSP',
      endorsingMspIds: ['Org1MSP', 'Org2MSP'],
      ordererSigners: 1,
      isSelfAnchored: false,
    })
    if (r.kind === 'fabric-block') expect(r.message.recipient).toBe(RECIPIENT)

    // One flipped byte in the transaction (the creator's signature), header left as the orderer signed it.
    const data = decoded.data.map((d, i) => (i === txIndex ? flipLastByte(d) : d))
    expect(thrown(() => verifyProofBundle(doc(encodeBlock({ ...decoded, data })), { fabric: trust() }))).toMatchObject({
      reason: 'HASH_MISMATCH',
    })
    // A verifier that trusts another orderer organisation, or needs a third endorser, refuses the block.
    expect(
      thrown(() => verifyProofBundle(doc(block), { fabric: { ...trust(), ordererMspIds: ['Org2MSP'] } })),
    ).toMatchObject({
      reason: 'UNKNOWN_AUTHORITY',
    })
    const policy = { signedBy: ['Org1MSP', 'Org2MSP', 'Org3MSP'], rule: 'AND' as const }
    expect(
      thrown(() => verifyProofBundle(doc(block), { fabric: { ...trust(), endorsementPolicy: policy } })),
    ).toMatchObject({
      reason: 'POLICY_NOT_SATISFIED',
    })
  }, 120_000)
})
