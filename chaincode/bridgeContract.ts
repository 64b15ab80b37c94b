/**
 * The Isthmus bridge chaincode (fabric-contract-api). `fabric-contract-api` dispatches to the
 * methods of a `Contract` subclass, so this is the one class of the project that is not an error
 * class. Every transaction argument is a string; every result is a string (JSON where it says so).
 * The decisions are in `bridgeLogic.ts` (pure); this file only reads and writes the world state.
 * Events: see chaincode/README.md.
 */
import { type Context, Contract } from 'fabric-contract-api'
import { DestinationPausedError } from '../errors.js'
import { decodeMessage, fabricIdentityOf, hexToBytes, messageIdOfEncoded } from '../protocol/index.js'
import type { ChainRef, Hex } from '../types.js'
import {
  type AssetEntry,
  appBody,
  type BridgeConfig,
  buildOutbound,
  creditInbound,
  debitOutbound,
  decideDelivery,
  parseAsset,
  parseInitialize,
  reject,
  toAmount,
  toBytes32,
  toCertificate,
  tokenBody,
} from './bridgeLogic.js'

const KEY = {
  config: 'config',
  paused: 'paused',
  nonce: 'nonce',
  asset: (id: Hex) => `asset:${id}`,
  balance: (account: Hex, asset: Hex) => `balance:${account}:${asset}`,
  locked: (asset: Hex) => `locked:${asset}`,
  executed: (id: Hex) => `executed:${id}`,
  usedNonce: (origin: number, nonce: bigint) => `used:${origin}:${nonce}`,
  inbox: (recipient: Hex, id: Hex) => `inbox:${recipient}:${id}`,
}

/** Chaincode event names (chaincode/README.md). */
export const EVENT = { dispatch: 'Dispatch', delivered: 'Delivered', equivocation: 'Equivocation' } as const

const utf8 = (b: Uint8Array) => Buffer.from(b).toString('utf8')

const read = async (ctx: Context, key: string): Promise<string | undefined> => {
  const v = await ctx.stub.getState(key)
  return v && v.length > 0 ? utf8(v) : undefined
}
const write = (ctx: Context, key: string, value: string) => ctx.stub.putState(key, Buffer.from(value, 'utf8'))

const getConfig = async (ctx: Context): Promise<BridgeConfig> => {
  const v = await read(ctx, KEY.config)
  if (v === undefined) throw reject('NOT_INITIALISED', 'the bridge is not initialised')
  return JSON.parse(v) as BridgeConfig
}

const getAsset = async (ctx: Context, assetId: Hex): Promise<AssetEntry> => {
  const v = await read(ctx, KEY.asset(assetId))
  if (v === undefined) throw reject('UNKNOWN_ASSET', `asset ${assetId} is not registered`)
  return JSON.parse(v) as AssetEntry
}

const readBig = async (ctx: Context, key: string) => BigInt((await read(ctx, key)) ?? '0')

/** The caller's bytes32 identity: sha256(mspId ‖ certPEM). */
const callerOf = (ctx: Context): Hex => fabricIdentityOf(ctx.clientIdentity.getMSPID(), ctx.clientIdentity.getIDBytes())

/** cryptogen (NodeOUs) puts OU=admin in an organisation admin's certificate subject. */
const assertAdmin = (ctx: Context) => {
  const id = ctx.clientIdentity.getID()
  const subject = id.split('::')[1] ?? ''
  if (!/(^|\/)OU=admin(\/|$)/.test(subject)) throw reject('NOT_ADMIN', 'only an organisation admin may do this')
}

const assertNotPaused = async (ctx: Context, chain: ChainRef) => {
  if ((await read(ctx, KEY.paused)) === 'true') throw new DestinationPausedError({ chain })
}

const emitDispatch = async (
  ctx: Context,
  cfg: BridgeConfig,
  sender: Hex,
  destination: string,
  recipient: Hex,
  body: (recipient: Hex) => Hex,
): Promise<string> => {
  if (!/^[0-9]{1,10}$/.test(destination) || Number(destination) > 0xffffffff)
    throw reject('BAD_ARGUMENT', 'destination must be a uint32 domain')
  const nonce = await readBig(ctx, KEY.nonce)
  const out = buildOutbound({
    nonce,
    origin: cfg.domain,
    sender,
    destination: Number(destination),
    recipient,
    body: body(recipient),
  })
  await write(ctx, KEY.nonce, (nonce + 1n).toString())
  ctx.stub.setEvent(EVENT.dispatch, Buffer.from(out.encoded.slice(2), 'hex'))
  return out.id
}

export class BridgeContract extends Contract {
  constructor() {
    super('isthmus')
  }

  /** Once, by an admin: `{ domain, chaincode, committee: { epoch, signers, threshold }, assets? }`. */
  async initialize(ctx: Context, json: string): Promise<string> {
    assertAdmin(ctx)
    if ((await read(ctx, KEY.config)) !== undefined) throw reject('ALREADY_INITIALISED', 'the bridge is initialised')
    const init = parseInitialize(json)
    const config: BridgeConfig = { domain: init.domain, chaincode: init.chaincode, committee: init.committee }
    await write(ctx, KEY.config, JSON.stringify(config))
    for (const a of init.assets) await write(ctx, KEY.asset(a.assetId), JSON.stringify(a))
    return JSON.stringify(config)
  }

  /** By an admin: register (or re-register) an asset `{ assetId, kind, symbol }`. */
  async registerAsset(ctx: Context, json: string): Promise<string> {
    assertAdmin(ctx)
    await getConfig(ctx)
    const a = parseAsset(JSON.parse(json))
    await write(ctx, KEY.asset(a.assetId), JSON.stringify(a))
    return JSON.stringify(a)
  }

  /** By an admin: issue `amount` of a home asset to `account` (test and genesis supply). */
  async mint(ctx: Context, account: string, assetId: string, amount: string): Promise<string> {
    assertAdmin(ctx)
    const asset = await getAsset(ctx, toBytes32(assetId, 'assetId'))
    if (asset.kind !== 'home') throw reject('BAD_ARGUMENT', 'only a home asset can be minted directly')
    const key = KEY.balance(toBytes32(account, 'account'), asset.assetId)
    const next = (await readBig(ctx, key)) + toAmount(amount)
    await write(ctx, key, next.toString())
    return next.toString()
  }

  /** By an admin: lift an equivocation pause. */
  async unpause(ctx: Context): Promise<string> {
    assertAdmin(ctx)
    await ctx.stub.deleteState(KEY.paused)
    return 'false'
  }

  /** Move `amount` of an asset from the caller to `account` on this ledger. */
  async transfer(ctx: Context, account: string, assetId: string, amount: string): Promise<string> {
    const asset = await getAsset(ctx, toBytes32(assetId, 'assetId'))
    const a = toAmount(amount)
    const from = KEY.balance(callerOf(ctx), asset.assetId)
    const to = KEY.balance(toBytes32(account, 'account'), asset.assetId)
    const fb = await readBig(ctx, from)
    if (fb < a) throw reject('INSUFFICIENT_BALANCE', `${a} to transfer, balance ${fb}`)
    await write(ctx, from, (fb - a).toString())
    await write(ctx, to, ((await readBig(ctx, to)) + a).toString())
    return (fb - a).toString()
  }

  /** Lock (home) or burn (wrapped) `amount` and dispatch a token transfer. @returns the message id */
  async sendToken(ctx: Context, destination: string, assetId: string, amount: string, beneficiary: string) {
    const cfg = await getConfig(ctx)
    await assertNotPaused(ctx, `fabric:${ctx.stub.getChannelID()}`)
    const asset = await getAsset(ctx, toBytes32(assetId, 'assetId'))
    const a = toAmount(amount)
    const sender = callerOf(ctx)
    const balanceKey = KEY.balance(sender, asset.assetId)
    const next = debitOutbound(asset, a, await readBig(ctx, balanceKey), await readBig(ctx, KEY.locked(asset.assetId)))
    await write(ctx, balanceKey, next.balance.toString())
    if (asset.kind === 'home') await write(ctx, KEY.locked(asset.assetId), next.locked.toString())
    return emitDispatch(ctx, cfg, sender, destination, toBytes32(beneficiary, 'beneficiary'), (_) =>
      tokenBody(asset.assetId, a, toBytes32(beneficiary, 'beneficiary')),
    )
  }

  /** Dispatch an application message (`payload` hex) to `recipient` on `destination`. @returns the id */
  async dispatch(ctx: Context, destination: string, recipient: string, payload: string): Promise<string> {
    const cfg = await getConfig(ctx)
    await assertNotPaused(ctx, `fabric:${ctx.stub.getChannelID()}`)
    return emitDispatch(ctx, cfg, callerOf(ctx), destination, toBytes32(recipient, 'recipient'), () => appBody(payload))
  }

  /**
   * Execute a certified inbound message. @returns `DELIVERED`, `ALREADY_EXECUTED` (nothing written)
   * or `EQUIVOCATION` (the bridge pauses and emits `Equivocation`; nothing executed).
   */
  async deliver(ctx: Context, message: string, epoch: string, signatures: string): Promise<string> {
    const cfg = await getConfig(ctx)
    const encoded = message.toLowerCase() as Hex
    const m = decodeMessage(encoded)
    const usedKey = KEY.usedNonce(m.origin, m.nonce)
    const decision = decideDelivery({
      encoded,
      certificate: toCertificate(epoch, signatures),
      config: cfg,
      channel: ctx.stub.getChannelID(),
      executed: (await read(ctx, KEY.executed(messageIdOfEncoded(hexToBytes(encoded, 'message'))))) !== undefined,
      idAtNonce: (await read(ctx, usedKey)) as Hex | undefined,
    })
    if (decision.kind === 'already-executed') return 'ALREADY_EXECUTED'
    if (decision.kind === 'equivocation') {
      await write(ctx, KEY.paused, 'true')
      const ev = {
        origin: decision.origin,
        nonce: decision.nonce.toString(),
        firstId: decision.firstId,
        id: decision.id,
      }
      ctx.stub.setEvent(EVENT.equivocation, Buffer.from(JSON.stringify(ev), 'utf8'))
      return 'EQUIVOCATION'
    }
    await assertNotPaused(ctx, `fabric:${ctx.stub.getChannelID()}`)
    const { id, body } = decision
    if (body.kind === 'tokenTransfer') {
      const asset = await getAsset(ctx, body.asset)
      const lockedKey = KEY.locked(asset.assetId)
      const locked = creditInbound(asset, body.amount, await readBig(ctx, lockedKey))
      if (asset.kind === 'home') await write(ctx, lockedKey, locked.toString())
      const to = KEY.balance(body.beneficiary, asset.assetId)
      await write(ctx, to, ((await readBig(ctx, to)) + body.amount).toString())
    } else {
      await write(ctx, KEY.inbox(decision.message.recipient, id), body.payload)
    }
    await write(ctx, KEY.executed(id), 'DELIVERED')
    await write(ctx, usedKey, id)
    ctx.stub.setEvent(EVENT.delivered, Buffer.from(id.slice(2), 'hex'))
    return 'DELIVERED'
  }

  /** `true` / `false`: whether message `id` was executed here. */
  async isDelivered(ctx: Context, id: string): Promise<string> {
    return String((await read(ctx, KEY.executed(toBytes32(id, 'id')))) !== undefined)
  }

  /** JSON `{ epoch, signers, threshold }`. */
  async committee(ctx: Context): Promise<string> {
    return JSON.stringify((await getConfig(ctx)).committee)
  }

  /** JSON of the stored config (domain, chaincode, committee) plus `paused` and the next nonce. */
  async info(ctx: Context): Promise<string> {
    const cfg = await getConfig(ctx)
    return JSON.stringify({
      ...cfg,
      paused: (await read(ctx, KEY.paused)) === 'true',
      nextNonce: (await readBig(ctx, KEY.nonce)).toString(),
    })
  }

  async balanceOf(ctx: Context, account: string, assetId: string): Promise<string> {
    return (await readBig(ctx, KEY.balance(toBytes32(account, 'account'), toBytes32(assetId, 'assetId')))).toString()
  }

  async lockedOf(ctx: Context, assetId: string): Promise<string> {
    return (await readBig(ctx, KEY.locked(toBytes32(assetId, 'assetId')))).toString()
  }

  /** The payload (hex) of an app message delivered to `recipient`, or an empty string. */
  async inboxOf(ctx: Context, recipient: string, id: string): Promise<string> {
    return (await read(ctx, KEY.inbox(toBytes32(recipient, 'recipient'), toBytes32(id, 'id')))) ?? ''
  }

  /** The caller's bytes32 account. */
  async whoami(ctx: Context): Promise<string> {
    return callerOf(ctx)
  }
}
