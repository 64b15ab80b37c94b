import { ConfigInvalidError } from '../../../errors.js'
import {
  addressToBytes32,
  bytesToHex,
  encodeAppBody,
  encodeMessage,
  evmBridgeRef,
  messageId,
} from '../../../protocol/index.js'
import {
  type AttestContext,
  attestMessage,
  createFailpoints,
  createRouteInfoCache,
  type FailpointName,
  NO_FAILPOINTS,
  parseAttestation,
  parseFailpoints,
  type VerifiedMessage,
} from '../../../relayer/index.js'
import type { Hex, Message } from '../../../types.js'
import { rejected, thrown } from '../../harness/thrown.js'
import { captureLog, memoryKv, recordingJs } from './fakeNats.js'

describe('parseFailpoints', () => {
  it('reads comma-separated names, with or without =crash, once each', () => {
    expect(parseFailpoints(' attest.afterSign, confirm.afterReceipt=crash,attest.afterSign ')).toEqual([
      'attest.afterSign',
      'confirm.afterReceipt',
    ])
    expect(parseFailpoints('deliver.afterBroadcast')).toEqual(['deliver.afterBroadcast'])
  })

  it('arms nothing when the variable is empty or absent', () => {
    expect(parseFailpoints(undefined)).toEqual([])
    expect(parseFailpoints(' , ')).toEqual([])
  })

  it('refuses unknown names and actions, naming each', () => {
    const e = thrown(() => parseFailpoints('attest.afterSign,deliver.beforeAll,confirm.afterReceipt=hang'))
    expect(e).toBeInstanceOf(ConfigInvalidError)
    const messages = (e as ConfigInvalidError).issues.map((i) => i.message)
    expect(messages).toEqual([
      expect.stringContaining('unknown failpoint deliver.beforeAll'),
      expect.stringContaining('unknown action hang'),
    ])
  })
})

describe('createFailpoints', () => {
  it('logs a fatal "failpoint hit" and crashes once per armed name; other names pass', async () => {
    const { log, lines } = captureLog()
    const crashed: FailpointName[] = []
    const fp = createFailpoints({
      names: ['deliver.afterBroadcast'],
      log,
      crash: (n) => crashed.push(n),
      flushDelayMs: 0,
    })
    await fp.hit('attest.afterSign')
    expect(crashed).toEqual([])
    await fp.hit('deliver.afterBroadcast', { txHash: '0x01' })
    await fp.hit('deliver.afterBroadcast', { txHash: '0x02' })
    expect(crashed).toEqual(['deliver.afterBroadcast'])
    const fatal = lines.filter((l) => l.level === 'fatal')
    expect(fatal).toEqual([
      expect.objectContaining({ msg: 'failpoint hit', failpoint: 'deliver.afterBroadcast', txHash: '0x01' }),
    ])
  })

  it('is the no-op failpoints when nothing is armed', async () => {
    const { log } = captureLog()
    expect(createFailpoints({ names: [], log })).toBe(NO_FAILPOINTS)
    await expect(NO_FAILPOINTS.hit('confirm.afterReceipt')).resolves.toBeUndefined()
  })
})

describe('attest.afterSign wiring (F-19)', () => {
  const KEY = `0x${'11'.repeat(32)}` as Hex
  const SIGNER = '0x19e7e376e7c213b7e7e7e46cc70a5dd086daff2a' as Hex
  const message: Message = {
    version: 1,
    nonce: 7n,
    origin: 1,
    sender: addressToBytes32(`0x${'a'.repeat(40)}`),
    destination: 2,
    recipient: addressToBytes32(`0x${'c'.repeat(40)}`),
    body: encodeAppBody('0x01'),
  }
  const id = messageId(message)
  const finality = {
    mode: 'confirmations',
    confirmations: 3,
    observedHeadNumber: '12',
    observedHeadHash: `0x${'9a'.repeat(32)}`,
  }
  const verified: VerifiedMessage = {
    id,
    message,
    encoded: bytesToHex(encodeMessage(message)),
    proofKind: 'evm-receipt',
    observed: {
      id,
      message,
      encoded: bytesToHex(encodeMessage(message)),
      source: {
        chain: 'evm:1',
        blockNumber: 10n,
        blockHash: `0x${'0b'.repeat(32)}`,
        txHash: `0x${'0c'.repeat(32)}`,
        logIndex: 0,
      },
      bundle: { kind: 'evm-receipt', finality },
    },
  }
  const context = (crash: (n: FailpointName) => void) => {
    const { js, published } = recordingJs()
    const { log, lines } = captureLog()
    const bridge = `0x${'b'.repeat(40)}` as Hex
    const routes = createRouteInfoCache(
      [
        {
          chain: 'evm:2',
          domain: 2,
          bridgeRef: evmBridgeRef(2n, bridge),
          committee: async () => ({ epoch: 1n, signers: [SIGNER], threshold: 1 }),
        } as never,
      ],
      { ttlMs: 60_000 },
    )
    const c: AttestContext = {
      js,
      signerRecords: memoryKv(),
      routes,
      memberId: 'relayer-1',
      signer: SIGNER,
      key: KEY,
      chain: 'evm:1',
      log,
      now: () => new Date(0),
      failpoints: createFailpoints({ names: ['attest.afterSign'], log, crash, flushDelayMs: 0 }),
    }
    return { c, published, lines }
  }

  it('crashes after signing and before publishing anything; the restart publishes the attestation with its finality evidence', async () => {
    const crash = new Error('crashed at attest.afterSign')
    const { c, published, lines } = context(() => {
      throw crash
    })
    expect(await rejected(() => attestMessage(verified, c))).toBe(crash)
    expect(published).toEqual([])
    expect(lines.find((l) => l.level === 'fatal')).toMatchObject({ failpoint: 'attest.afterSign', msgId: id })
    // Same process, failpoint spent: as after a restart, the same message is signed and published.
    const r = await attestMessage(verified, c)
    expect(r).toMatchObject({ id, epoch: 1n })
    const subjects = published.map((p) => p.subject)
    expect(subjects).toEqual([`isthmus.proof.1.${id}`, `isthmus.evt.verified.1.2`, `isthmus.att.2.${id}.relayer-1`])
    const att = parseAttestation(published[2]!.data)
    expect(att.sourceBlockNumber).toBe(10n)
    expect(att.finality).toEqual({ ...finality, observedHeadNumber: 12n })
    expect(published[2]!.msgID).toBe(`relayer-1:${id}`)
  })
})
