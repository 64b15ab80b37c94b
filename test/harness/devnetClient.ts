// What a dApp does on a devnet, for e2e tests: send tokens and app messages through the bridges,
// read balances, statuses and recipient state — all straight from the chains.
import {
  Contract,
  Interface,
  JsonRpcProvider,
  MaxUint256,
  NonceManager,
  type TransactionReceipt,
  type TransactionResponse,
  Wallet,
} from 'ethers'
import type { Devnet, DevnetAccount, DevnetChain } from '../../cli/devnet/startDevnet.js'
import { loadArtifact } from '../../contracts/artifacts.js'
import { DeployFailedError } from '../../errors.js'
import { addressToBytes32 } from '../../protocol/index.js'
import type { Hex } from '../../types.js'

const BRIDGE = new Interface(loadArtifact('Bridge').abi)
const TOKEN = new Interface(loadArtifact('TestToken').abi)
const RECIPIENT = new Interface(loadArtifact('RecordingRecipient').abi)
const DISPATCH_GAS = 300_000n
const SEND_TOKEN_GAS = 400_000n

export interface DevnetClient {
  devnet: Devnet
  chain(name: 'A' | 'B'): DevnetChain
  provider(name: 'A' | 'B'): JsonRpcProvider
  bridge(name: 'A' | 'B', signer?: DevnetAccount): Contract
  /** Balance of the test token on A, of the wrapped token on B. */
  tokenBalance(name: 'A' | 'B', holder: Hex): Promise<bigint>
  /** Approve once, then lock (A) or burn (B) and dispatch a transfer; resolves with the message id. */
  sendToken(o: { from: 'A' | 'B'; user: DevnetAccount; amount: bigint; beneficiary: Hex }): Promise<Hex>
  /** Send `payloads.length` app messages from one user without waiting block by block; ids in order. */
  dispatchApp(o: { from: 'A' | 'B'; user: DevnetAccount; recipient: Hex; payloads: Hex[] }): Promise<Hex[]>
  /** messageStatus on the destination bridge (0 none, 1 delivered, 2 failed, 3 queued). */
  status(destination: 'A' | 'B', id: Hex): Promise<number>
  /** RecordingRecipient.calls() on a chain. */
  recipientCalls(name: 'A' | 'B'): Promise<bigint>
  /** What the RecordingRecipient on a chain saw last. */
  recipientLast(name: 'A' | 'B'): Promise<{ origin: number; sender: Hex; payload: Hex }>
  /** Guardian action on a bridge: pause or unpause it (the devnet deployer is the guardian). */
  setPaused(name: 'A' | 'B', paused: boolean): Promise<void>
  close(): void
}

const dispatchIds = (receipt: TransactionReceipt | null): Hex[] =>
  (receipt?.logs ?? []).flatMap((l) => {
    const ev = BRIDGE.parseLog(l)
    return ev?.name === 'Dispatch' ? [ev.args.getValue('id') as Hex] : []
  })

const mined = async (tx: Promise<TransactionResponse>, what: string): Promise<TransactionReceipt> => {
  const receipt = await (await tx).wait(1, 60_000)
  if (receipt?.status !== 1) throw new DeployFailedError({ step: what, detail: 'the transaction failed' })
  return receipt
}

/** A client of a running devnet; `close()` releases its providers. */
export const devnetClient = (devnet: Devnet): DevnetClient => {
  const providers = {
    A: new JsonRpcProvider(devnet.a.rpcUrl, Number(devnet.a.chainId), {
      staticNetwork: true,
      batchMaxCount: 1,
      cacheTimeout: -1,
      pollingInterval: 100,
    }),
    B: new JsonRpcProvider(devnet.b.rpcUrl, Number(devnet.b.chainId), {
      staticNetwork: true,
      batchMaxCount: 1,
      cacheTimeout: -1,
      pollingInterval: 100,
    }),
  }
  const signers = new Map<string, NonceManager>()
  const signerOf = (name: 'A' | 'B', user: DevnetAccount) => {
    const key = `${name}/${user.address}`
    if (!signers.has(key)) signers.set(key, new NonceManager(new Wallet(user.privateKey, providers[name])))
    return signers.get(key)!
  }
  const chain = (name: 'A' | 'B') => (name === 'A' ? devnet.a : devnet.b)
  const tokenOf = (name: 'A' | 'B') => (name === 'A' ? devnet.token.homeToken : devnet.token.wrappedToken)
  const approved = new Set<string>()
  return {
    devnet,
    chain,
    provider: (name) => providers[name],
    bridge: (name, signer) =>
      new Contract(chain(name).bridge, BRIDGE, signer ? signerOf(name, signer) : providers[name]),
    tokenBalance: async (name, holder) =>
      (await new Contract(tokenOf(name), TOKEN, providers[name]).getFunction('balanceOf')(holder)) as bigint,
    sendToken: async (o) => {
      const signer = signerOf(o.from, o.user)
      const key = `${o.from}/${o.user.address}`
      if (!approved.has(key)) {
        const token = new Contract(tokenOf(o.from), TOKEN, signer)
        await mined(token.getFunction('approve')(chain(o.from).bridge, MaxUint256), 'approve')
        approved.add(key)
      }
      const bridge = new Contract(chain(o.from).bridge, BRIDGE, signer)
      const dest = o.from === 'A' ? devnet.b.domain : devnet.a.domain
      const receipt = await mined(
        bridge.getFunction('sendToken')(tokenOf(o.from), o.amount, dest, addressToBytes32(o.beneficiary), {
          gasLimit: SEND_TOKEN_GAS,
        }),
        'sendToken',
      )
      return dispatchIds(receipt)[0]!
    },
    dispatchApp: async (o) => {
      const bridge = new Contract(chain(o.from).bridge, BRIDGE, signerOf(o.from, o.user))
      const dest = o.from === 'A' ? devnet.b.domain : devnet.a.domain
      const txs: TransactionResponse[] = []
      for (const payload of o.payloads) {
        txs.push(
          await bridge.getFunction('dispatch')(dest, addressToBytes32(o.recipient), payload, {
            gasLimit: DISPATCH_GAS,
          }),
        )
      }
      const receipts = await Promise.all(txs.map((t) => mined(Promise.resolve(t), 'dispatch')))
      return receipts.flatMap(dispatchIds)
    },
    status: async (destination, id) =>
      Number(
        await new Contract(chain(destination).bridge, BRIDGE, providers[destination]).getFunction('messageStatus')(id),
      ),
    recipientCalls: async (name) =>
      (await new Contract(chain(name).recipient, RECIPIENT, providers[name]).getFunction('calls')()) as bigint,
    recipientLast: async (name) => {
      const r = new Contract(chain(name).recipient, RECIPIENT, providers[name])
      const [origin, sender, payload] = await Promise.all([
        r.getFunction('lastOrigin')(),
        r.getFunction('lastSender')(),
        r.getFunction('lastPayload')(),
      ])
      return { origin: Number(origin), sender: (sender as string).toLowerCase() as Hex, payload: payload as Hex }
    },
    setPaused: async (name, paused) => {
      const bridge = new Contract(chain(name).bridge, BRIDGE, signerOf(name, devnet.deployer))
      await mined(bridge.getFunction(paused ? 'pause' : 'unpause')(), paused ? 'pause' : 'unpause')
    },
    close: () => {
      providers.A.destroy()
      providers.B.destroy()
    },
  }
}
