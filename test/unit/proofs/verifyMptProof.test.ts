import { keccak256 } from 'ethers'
import { InvalidProofError } from '../../../errors.js'
import {
  buildMptProof,
  buildReceiptProof,
  decodeRlp,
  encodeReceipt,
  encodeRlp,
  type MptProofInput,
  type RlpItem,
  receiptKey,
  type VerifyMptProofOptions,
  verifyMptAbsence,
  verifyMptProof,
} from '../../../proofs/index.js'
import type { Hex } from '../../../types.js'
import { thrown } from '../../harness/thrown.js'
import { mainnet, sepolia } from './fixtures.js'
import { bytes, hashOf, hex, nodeOf, rawList, reseal } from './forge.js'

const rejectReason = (input: MptProofInput, opts?: VerifyMptProofOptions): string => {
  const e = thrown(() => verifyMptProof(input, opts))
  expect(e).toBeInstanceOf(InvalidProofError)
  return (e as InvalidProofError).reason
}

const root = mainnet.header.receiptsRoot
const entries = mainnet.receipts.map((r, i) => ({ key: receiptKey(i), value: encodeReceipt(r) }))
const proofOf = (i: number) => buildMptProof(entries, receiptKey(i)).proof
const withByte = (h: Hex, at: number, b: number): Uint8Array => {
  const x = bytes(h)
  x[at] = b
  return x
}
const set = (node: RlpItem[], at: number, v: RlpItem): Uint8Array => {
  const copy = [...node]
  copy[at] = v
  return encodeRlp(copy)
}

describe('verifyMptProof on mainnet block 11408438 receipts', () => {
  const indices = Array.from({ length: mainnet.receipts.length }, (_, i) => i)

  it('rebuilds the header receiptsRoot from all 130 receipts', () => {
    expect(buildReceiptProof(mainnet.receipts, 0).root).toBe(root)
  })

  it.each(indices)('proves receipt %i against receiptsRoot', (i) => {
    const value = verifyMptProof({ root, key: receiptKey(i), proof: proofOf(i) })
    expect(hex(value)).toBe(hex(encodeReceipt(mainnet.receipts[i]!)))
  })
})

describe('verifyMptProof on the Sepolia 3445383 account proof', () => {
  const { account } = sepolia
  it('proves the account at keccak(address) against stateRoot', () => {
    const value = verifyMptProof({
      root: sepolia.header.stateRoot,
      key: keccak256(account.address) as Hex,
      proof: account.accountProof,
    })
    const [nonce, balance, storageHash, codeHash] = decodeRlp(value) as Uint8Array[]
    expect(BigInt(hex(nonce!))).toBe(BigInt(account.nonce))
    expect(BigInt(hex(balance!))).toBe(0x3c94a8e8f06c6710n)
    expect(hex(storageHash!)).toBe(account.storageHash)
    expect(hex(codeHash!)).toBe(account.codeHash)
  })

  it('rejects the proof for the unhashed address key', () => {
    expect(rejectReason({ root: sepolia.header.stateRoot, key: account.address, proof: account.accountProof })).toBe(
      'HASH_MISMATCH',
    )
  })

  it('rejects the proof with a trailing node', () => {
    const proof = [...account.accountProof, account.accountProof[1]!]
    expect(rejectReason({ root: sepolia.header.stateRoot, key: keccak256(account.address) as Hex, proof })).toBe(
      'EXTRA_NODES',
    )
  })
})

// A small trie whose values are short enough for leaves and branches to be embedded in their parents.
const small = [
  [0x12, 0x34],
  [0x12, 0x35],
  [0x56, 0x78],
  [0x9a, 0xbc, 0xde],
].map((k, i) => ({ key: Uint8Array.from(k), value: Uint8Array.of(i + 1) }))

describe('verifyMptProof with embedded nodes', () => {
  it.each(small)('proves every key of a trie with embedded nodes ($key)', ({ key, value }) => {
    const p = buildMptProof(small, key)
    expect(verifyMptProof({ root: p.root, key, proof: p.proof })).toEqual(value)
  })

  it('needs only the hashed nodes: the embedded leaves live inside their parent', () => {
    const p = buildMptProof(small, small[0]!.key)
    expect(p.proof.every((n, i) => i === 0 || bytes(n).length >= 32)).toBe(true)
    expect(p.proof.length).toBeLessThan(3)
  })
})

describe('verifyMptAbsence', () => {
  it('accepts an exclusion proof for a receipt index past the block', () => {
    const p = buildMptProof(entries, receiptKey(130))
    expect(() => verifyMptAbsence({ root, key: receiptKey(130), proof: p.proof })).not.toThrow()
    expect(rejectReason({ root, key: receiptKey(130), proof: p.proof })).toBe('VALUE_ABSENT')
  })

  it('accepts an exclusion proof that ends at an extension or a leaf', () => {
    for (const key of [Uint8Array.of(0x12, 0x44), Uint8Array.of(0x9a, 0xbc, 0xdf), Uint8Array.of(0x12)]) {
      const p = buildMptProof(small, key)
      expect(() => verifyMptAbsence({ root: p.root, key, proof: p.proof })).not.toThrow()
    }
  })

  it('rejects a proof that proves a value with VALUE_PRESENT', () => {
    const e = thrown(() => verifyMptAbsence({ root, key: receiptKey(3), proof: proofOf(3) }))
    expect((e as InvalidProofError).reason).toBe('VALUE_PRESENT')
  })
})

describe('verifyMptProof with values in branches', () => {
  const entries = [
    { key: Uint8Array.of(0x12), value: Uint8Array.of(7) },
    { key: Uint8Array.of(0x12, 0x34), value: Uint8Array.of(8) },
    { key: Uint8Array.of(0x12, 0x35), value: Uint8Array.of(9) },
  ]
  const p = buildMptProof(entries, Uint8Array.of(0x12))

  it('returns a branch value when allowBranchValues is set', () => {
    expect(
      verifyMptProof({ root: p.root, key: Uint8Array.of(0x12), proof: p.proof }, { allowBranchValues: true }),
    ).toEqual(Uint8Array.of(7))
  })

  it('refuses a branch value by default (receipt, transaction and secure tries have none)', () => {
    expect(rejectReason({ root: p.root, key: Uint8Array.of(0x12), proof: p.proof })).toBe('NON_CANONICAL')
  })
})

interface Tampered {
  name: string
  make: () => MptProofInput
  opts?: VerifyMptProofOptions
  reason: InvalidProofError['reason']
}

const p0 = proofOf(0) // branch(9), branch(2), leaf
const p128 = proofOf(128) // branch(9), branch(2), extension, branch(2), leaf
const leaf0 = nodeOf(p0[2]!)
const branch0 = nodeOf(p0[1]!)
const ext128 = nodeOf(p128[2]!)
const k0 = receiptKey(0)
const k128 = receiptKey(128)
const forged = (proof: readonly Hex[], index: number, node: Uint8Array, key = k0): MptProofInput => ({
  ...reseal(proof, index, node),
  key,
})
const smallProof = buildMptProof(small, small[3]!.key)

// NT-13 (RELIABILITY.md): every proof mutation is refused, each by the check named.
const tampered: Tampered[] = [
  {
    name: 'a valid proof against another root',
    make: () => ({ root: sepolia.header.receiptsRoot, key: k0, proof: p0 }),
    reason: 'ROOT_MISMATCH',
  },
  {
    name: 'a flipped byte in the root node',
    make: () => ({ root, key: k0, proof: [withByte(p0[0]!, 40, 0x11), ...p0.slice(1)] }),
    reason: 'ROOT_MISMATCH',
  },
  {
    name: 'a flipped byte in the leaf',
    make: () => ({ root, key: k0, proof: [...p0.slice(0, 2), withByte(p0[2]!, 60, 0x11)] }),
    reason: 'HASH_MISMATCH',
  },
  {
    name: 'a branch with an injected extra child',
    make: () => ({ root, key: k0, proof: [p0[0]!, set(branch0, 5, hashOf(bytes(p0[2]!))), p0[2]!] }),
    reason: 'HASH_MISMATCH',
  },
  { name: 'an empty proof', make: () => ({ root, key: k0, proof: [] }), reason: 'NODE_MISSING' },
  {
    name: 'a proof missing its last node',
    make: () => ({ root, key: k0, proof: p0.slice(0, 2) }),
    reason: 'NODE_MISSING',
  },
  {
    name: 'nodes in the wrong order',
    make: () => ({ root, key: k0, proof: [p0[0]!, p0[2]!, p0[1]!] }),
    reason: 'HASH_MISMATCH',
  },
  {
    name: 'trailing nodes after an exclusion path',
    make: () => ({ root, key: receiptKey(130), proof: p128 }),
    reason: 'EXTRA_NODES',
  },
  {
    name: 'more nodes than the key has nibbles',
    make: () => ({ root, key: k0, proof: [...p0, p0[2]!] }),
    reason: 'DEPTH_EXCEEDED',
  },
  {
    name: 'a proof deeper than maxDepth',
    make: () => ({ root, key: k0, proof: p0 }),
    opts: { maxDepth: 2 },
    reason: 'DEPTH_EXCEEDED',
  },
  {
    name: 'the proof of receipt 5 for index 6',
    make: () => ({ root, key: receiptKey(6), proof: proofOf(5) }),
    reason: 'HASH_MISMATCH',
  },
  {
    name: 'the 5-node proof of receipt 128 for index 0 (a 2-nibble key)',
    make: () => ({ root, key: k0, proof: p128 }),
    reason: 'DEPTH_EXCEEDED',
  },
  {
    name: 'the proof of receipt 129 for index 128',
    make: () => ({ root, key: k128, proof: proofOf(129) }),
    reason: 'HASH_MISMATCH',
  },
  {
    name: 'the proof of receipt 0 for index 1',
    make: () => ({ root, key: receiptKey(1), proof: p0 }),
    reason: 'HASH_MISMATCH',
  },
  {
    name: 'trailing bytes inside a node',
    make: () => forged(p0, 2, Uint8Array.from([...bytes(p0[2]!), 0x00])),
    reason: 'TRAILING_DATA',
  },
  {
    name: 'a node list with a third item',
    make: () => forged(p0, 2, encodeRlp([...leaf0, Uint8Array.of(1)])),
    reason: 'MALFORMED_ENCODING',
  },
  {
    name: 'a node that is a string, not a list',
    make: () => forged(p0, 2, encodeRlp(new Uint8Array(40))),
    reason: 'MALFORMED_ENCODING',
  },
  {
    name: 'a non-minimal RLP path (0x20 wrapped as a string)',
    make: () => forged(p0, 2, rawList([Uint8Array.of(0x81, 0x20), encodeRlp(leaf0[1]!)])),
    reason: 'NON_CANONICAL',
  },
  {
    name: 'a long-form length for a short item',
    make: () => forged(p0, 2, rawList([Uint8Array.of(0xb8, 0x01, 0x20), encodeRlp(leaf0[1]!)])),
    reason: 'NON_CANONICAL',
  },
  {
    name: 'a branch holding a value in a receipts trie',
    make: () => forged(p0, 1, set(branch0, 16, Uint8Array.of(1))),
    reason: 'NON_CANONICAL',
  },
  {
    name: 'a branch with a single child (must be collapsed)',
    make: () => forged(p0, 1, encodeRlp(branch0.map((c, i) => (i === 0 ? c : new Uint8Array(0))))),
    reason: 'NON_CANONICAL',
  },
  {
    name: 'a leaf passed as an inner node (leaf flag → extension)',
    make: () => forged(p0, 2, set(leaf0, 0, Uint8Array.of(0x00))),
    reason: 'NON_CANONICAL',
  },
  {
    name: 'a hex-prefix flag above 3',
    make: () => forged(p0, 2, set(leaf0, 0, Uint8Array.of(0x40))),
    reason: 'NON_CANONICAL',
  },
  {
    name: 'an even hex-prefix path with a non-zero padding nibble',
    make: () => forged(p0, 2, set(leaf0, 0, Uint8Array.of(0x21))),
    reason: 'NON_CANONICAL',
  },
  {
    name: 'an empty hex-prefix path',
    make: () => forged(p0, 2, set(leaf0, 0, new Uint8Array(0))),
    reason: 'MALFORMED_ENCODING',
  },
  {
    name: 'a leaf with an empty value',
    make: () => forged(p0, 2, set(leaf0, 1, new Uint8Array(0))),
    reason: 'NON_CANONICAL',
  },
  {
    name: 'a leaf whose value is a list',
    make: () => forged(p0, 2, set(leaf0, 1, [new Uint8Array(40)])),
    reason: 'MALFORMED_ENCODING',
  },
  {
    name: 'an extension passed as a leaf (with its subtree)',
    make: () => forged(p128, 2, set(ext128, 0, Uint8Array.of(0x38)), k128),
    reason: 'EXTRA_NODES',
  },
  {
    name: 'an extension passed as a leaf (subtree dropped)',
    make: () => {
      const f = reseal(p128, 2, set(ext128, 0, Uint8Array.of(0x38)))
      return { root: f.root, key: k128, proof: f.proof.slice(0, 3) }
    },
    reason: 'VALUE_ABSENT',
  },
  {
    name: 'an extension pointing at a leaf',
    make: () => {
      const f = reseal(p128.slice(0, 3), 2, set(ext128, 1, hashOf(bytes(p128[4]!))))
      return { root: f.root, key: k128, proof: [...f.proof, bytes(p128[4]!)] }
    },
    reason: 'NON_CANONICAL',
  },
  {
    name: 'an extension with an empty path',
    make: () => forged(p128, 2, set(ext128, 0, Uint8Array.of(0x00)), k128),
    reason: 'NON_CANONICAL',
  },
  {
    name: 'an extension without a child',
    make: () => forged(p128, 2, set(ext128, 1, new Uint8Array(0)), k128),
    reason: 'NON_CANONICAL',
  },
  {
    name: 'a 31-byte child reference',
    make: () => forged(p0, 1, set(branch0, 0, new Uint8Array(31).fill(1))),
    reason: 'NON_CANONICAL',
  },
  {
    name: 'an embedded node of 32 bytes or more',
    make: () => {
      const f = reseal(p0.slice(0, 2), 1, set(branch0, 0, leaf0))
      return { root: f.root, key: k0, proof: f.proof }
    },
    reason: 'NON_CANONICAL',
  },
  {
    name: 'a node under 32 bytes referenced by hash',
    make: () => {
      const top = nodeOf(smallProof.proof[0]!)
      const at = small[3]!.key[0]! >> 4
      expect(Array.isArray(top[at])).toBe(true)
      const embedded = encodeRlp(top[at]!)
      const f = reseal(smallProof.proof, 0, set(top, at, hashOf(embedded)))
      return { root: f.root, key: small[3]!.key, proof: [...f.proof, embedded] }
    },
    reason: 'NON_CANONICAL',
  },
  {
    name: 'a root of 31 bytes',
    make: () => ({ root: root.slice(0, 64) as Hex, key: k0, proof: p0 }),
    reason: 'MALFORMED_ENCODING',
  },
  {
    name: 'a proof node that is not hex',
    make: () => ({ root, key: k0, proof: [p0[0]!, '0xzz' as Hex, p0[2]!] }),
    reason: 'MALFORMED_ENCODING',
  },
]

describe('verifyMptProof rejects tampered proofs (NT-13)', () => {
  it('has a forged-root baseline: the resealing helper keeps a valid proof valid', () => {
    const f = forged(p0, 2, bytes(p0[2]!))
    expect(f.root).toBe(root)
    expect(() => verifyMptProof(f)).not.toThrow()
  })

  it.each(tampered)('rejects $name with $reason', ({ make, opts, reason }) => {
    expect(rejectReason(make(), opts)).toBe(reason)
  })
})
