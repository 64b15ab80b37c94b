import {
  decodeSubstrateHeader,
  encodeSubstrateHeader,
  hashSubstrateHeader,
  type SubstrateRpcHeader,
} from '../../../proofs/index.js'
import type { Hex } from '../../../types.js'
import { type ChopsticksFixture, useChopsticks } from '../../harness/chopsticks.js'

// proofs/substrate against the local chain (chopsticks --genesis, Rococo Asset Hub). Chopsticks
// builds real SCALE headers whose hash is the block hash, but in genesis mode it commits no state
// trie (stateRoot is zero) and serves no read proofs, so only header hashing is checked here;
// read proofs and extrinsics roots are checked on real Polkadot and Westend data (test/unit).
describe('proofs/substrate on the local chopsticks chain', () => {
  let f: ChopsticksFixture
  useChopsticks((fixture) => {
    f = fixture
  })

  it('hashes each new block header (with its digest) to the block hash and links it to its parent', async () => {
    let parent = (await f.chain.rpc<Hex>('chain_getBlockHash', [await f.chain.headNumber()])).toLowerCase()
    for (let i = 0; i < 3; i++) {
      const hash = await f.chain.newBlock()
      const rpcHeader = await f.chain.rpc<SubstrateRpcHeader>('chain_getHeader', [hash])
      const header = decodeSubstrateHeader(encodeSubstrateHeader(rpcHeader))
      expect(header.hash).toBe(hash.toLowerCase())
      expect(hashSubstrateHeader(rpcHeader)).toBe(hash.toLowerCase())
      expect(header.parentHash).toBe(parent)
      expect(header.digest.length).toBeGreaterThan(0)
      parent = header.hash
    }
  }, 120_000)
})
