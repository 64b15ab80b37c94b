// Shared setup of the Substrate destination tests: a real chopsticks Asset Hub, a 2-of-3 committee
// (sr25519 accounts //Alice //Bob //Charlie; fresh secp256k1 attestation keys), blocks built on a timer.
import type { KeyringPair } from '@polkadot/keyring/types'
import { u8aToHex } from '@polkadot/util'
import { computeAddress, Wallet } from 'ethers'
import { catchError, EMPTY, exhaustMap, from, interval, type Subscription } from 'rxjs'
import { committeeMultisig } from '../../../../adapters/substrate/destination/committeeMultisig.js'
import {
  createSubstrateDestination,
  type SubstrateDestination,
} from '../../../../adapters/substrate/destination/createSubstrateDestination.js'
import { buildDeliveryCall } from '../../../../adapters/substrate/destination/deliveryCall.js'
import type { SubstrateAssetRoute } from '../../../../adapters/substrate/destination/types.js'
import { encodeTokenTransferBody, messageId, substrateBridgeRef } from '../../../../protocol/index.js'
import type { Certificate, Hex, Message } from '../../../../types.js'
import { captureLogger } from '../../../harness/captureLogger.js'
import type { ChopsticksFixture } from '../../../harness/chopsticks.js'
import { signCertificate } from '../../../harness/signCertificate.js'

export const DOMAIN = 3
export const EPOCH = 1n
export const WRAPPED_ID = 1000
/** An Isthmus asset id routed to the wrapped asset (any bytes32: the route table decides). */
export const WRAPPED_ASSET: Hex = `0x${'ab'.repeat(32)}`
export const NATIVE_ASSET: Hex = `0x${'cd'.repeat(32)}`
export const ASSETS: SubstrateAssetRoute[] = [
  { assetId: WRAPPED_ASSET, kind: 'wrapped', assetHubId: WRAPPED_ID },
  { assetId: NATIVE_ASSET, kind: 'native' },
]
export const ATTESTATION_KEYS = [0, 1, 2].map(() => Wallet.createRandom().privateKey)
export const ATTESTATION_SIGNERS = ATTESTATION_KEYS.map((k) => computeAddress(k).toLowerCase() as Hex)

export const accountOf = (p: KeyringPair): Hex => u8aToHex(p.publicKey) as Hex

let nonce = 0n
/** A token transfer (or app message when `asset` is undefined) from EVM domain 1 to the Asset Hub. */
export const messageTo = (beneficiary: Hex, amount: bigint, asset: Hex | undefined = WRAPPED_ASSET): Message => ({
  version: 1,
  nonce: nonce++,
  origin: 1,
  sender: `0x${'11'.repeat(32)}`,
  destination: DOMAIN,
  recipient: beneficiary,
  body: asset ? encodeTokenTransferBody({ asset, amount, beneficiary }) : `0x00${'beef'.repeat(4)}`,
})

/** The committee's certificate of `m` for the multisig of `members` on this chain. */
export const certify = (genesisHash: Hex, members: KeyringPair[], m: Message, threshold = 2): Certificate => {
  const ms = committeeMultisig(
    members.map((p) => p.address),
    threshold,
  )
  const c = signCertificate({
    keys: ATTESTATION_KEYS.slice(0, threshold),
    epoch: EPOCH,
    destination: DOMAIN,
    destinationBridge: substrateBridgeRef(genesisHash, ms.account),
    id: messageId(m),
  })
  const sigs = c.signatures.slice(2).match(/.{130}/g) ?? []
  return { epoch: EPOCH, signatures: sigs.map((s) => `0x${s}` as Hex) }
}

export interface DestinationTestbed {
  f: ChopsticksFixture
  members: KeyringPair[]
  /** Head when the testbed started: nothing of the multisig happened before it. */
  startBlock: bigint
  /** One destination adapter per member (as each member's relayer runs it). */
  dests: SubstrateDestination[]
  newDest: (signer: KeyringPair, o?: { members?: KeyringPair[]; threshold?: number }) => SubstrateDestination
  stopBlocks: () => void
}

/** Adapters for //Alice, //Bob, //Charlie (their delivered-id index starts at today's head) and a block producer. */
export const createTestbed = async (f: ChopsticksFixture, pollMs = 100): Promise<DestinationTestbed> => {
  const startBlock = BigInt(await f.chain.headNumber())
  const members = [f.alice, f.bob, f.charlie]
  const newDest = (signer: KeyringPair, o: { members?: KeyringPair[]; threshold?: number } = {}) =>
    createSubstrateDestination({
      chain: 'substrate:asset-hub-local',
      domain: DOMAIN,
      api: f.api,
      genesisHash: f.chain.genesisHash,
      signer,
      committee: {
        epoch: EPOCH,
        threshold: o.threshold ?? 2,
        attestationSigners: ATTESTATION_SIGNERS,
        substrateAccounts: (o.members ?? members).map((p) => p.address),
      },
      assets: ASSETS,
      log: captureLogger('warn').log,
      approvalWaitMs: 20_000,
      txTimeoutMs: 30_000,
      pollIntervalMs: 100,
      startBlock,
    })
  // A block whenever the pool holds something (chopsticks builds none by itself): few empty blocks to scan.
  const blocks: Subscription = interval(pollMs)
    .pipe(
      exhaustMap(() =>
        from(
          f.chain
            .rpc<string[]>('author_pendingExtrinsics')
            .then((p) => (p.length > 0 ? f.chain.newBlock() : undefined)),
        ).pipe(catchError(() => EMPTY)),
      ),
    )
    .subscribe()
  return {
    f,
    members,
    startBlock,
    dests: members.map((m) => newDest(m)),
    newDest,
    stopBlocks: () => blocks.unsubscribe(),
  }
}

/** Every `MultisigExecuted` of `account` for `callHash`, and its `Remarked` markers, since the testbed started. */
export const executionsOnChain = async (t: DestinationTestbed, account: Hex, callHash: Hex, markerHash: Hex) => {
  const f = t.f
  const head = await f.chain.headNumber()
  let executions = 0
  let markers = 0
  for (let n = Number(t.startBlock); n <= head; n++) {
    const at = await f.api.at(await f.api.rpc.chain.getBlockHash(n))
    const events = (await at.query.system!.events!()) as unknown as {
      event: { section: string; method: string; data: { toHex(): string }[] }
    }[]
    for (const { event: e } of events) {
      if (e.section === 'multisig' && e.method === 'MultisigExecuted' && e.data[3]!.toHex() === callHash) executions++
      if (
        e.section === 'system' &&
        e.method === 'Remarked' &&
        e.data[0]!.toHex() === account &&
        e.data[1]!.toHex() === markerHash
      )
        markers++
    }
  }
  return { executions, markers }
}

export const callHashOf = (f: ChopsticksFixture, m: Message): Hex => {
  const plan = buildDeliveryCall(f.api, messageId(m), m, ASSETS)
  expect(plan.kind).toBe('call')
  return (plan as Extract<typeof plan, { kind: 'call' }>).callHash
}
