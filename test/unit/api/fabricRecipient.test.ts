// Recipients on a Fabric destination: a bytes32 identity or {mspId, certificate} (sha256(mspId ‖ PEM)),
// and nothing else; the request schema takes the object form.
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js'
import type { ApiChain } from '../../../api/apiChains.js'
import { recipientOn } from '../../../api/buildTransfer.js'
import type { RouteEnd } from '../../../api/quoteTransfer.js'
import { TransferRequestSchema } from '../../../api/schemas.js'
import type { ChainRef } from '../../../types.js'

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'
const base: Omit<ApiChain, 'kind'> = {
  ref: 'fabric:isthmus' as ChainRef,
  domain: 3,
  bridge: 'isthmus/bridge',
  finality: { mode: 'finalized-tag' },
  destinationConfirmations: 1,
}
const fabric: RouteEnd = {
  ...base,
  kind: 'fabric',
  fabric: { channel: 'isthmus', chaincode: 'bridge', batchTimeoutMs: 250, assetIds: [] },
}

describe('recipientOn a Fabric destination', () => {
  it('derives sha256(utf8(mspId) ‖ certificate PEM) from {mspId, certificate}', () => {
    const want = `0x${bytesToHex(sha256(utf8ToBytes(`Org1MSP${PEM}`)))}`
    expect(recipientOn(fabric, { mspId: 'Org1MSP', certificate: PEM })).toBe(want)
    expect(recipientOn(fabric, want.toUpperCase().replace('0X', '0x'))).toBe(want)
  })

  it('refuses a 20-byte address and an SS58 address, naming the field', () => {
    for (const r of [`0x${'11'.repeat(20)}`, '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY']) {
      expect(recipientOn(fabric, r)).toMatchObject({ httpStatus: 400, body: { error: { field: 'recipient' } } })
    }
  })

  it('the request schema takes {mspId, certificate} and refuses one without a certificate PEM', () => {
    const t = { from: 'evm:31337', to: 'fabric:isthmus', kind: 'token', sender: `0x${'11'.repeat(20)}`, amount: '1' }
    const assetId = `0x${'ab'.repeat(32)}`
    expect(
      TransferRequestSchema.safeParse({ ...t, assetId, recipient: { mspId: 'Org1MSP', certificate: PEM } }).success,
    ).toBe(true)
    expect(
      TransferRequestSchema.safeParse({ ...t, assetId, recipient: { mspId: 'Org1MSP', certificate: 'x' } }).success,
    ).toBe(false)
  })
})
