import { readFileSync } from 'node:fs'
import { TypeRegistry } from '@polkadot/types'
import { InvalidProofError } from '../../../../errors.js'
import { decodeGrandpaAuthorities, decodeSubstrateHeader, grandpaThreshold } from '../../../../proofs/index.js'
import { createScaleReader } from '../../../../proofs/substrate/scale.js'
import { thrown } from '../../../harness/thrown.js'

const checkpoint = JSON.parse(
  readFileSync(
    new URL('../../../fixtures/substrate/checkpoints/polkadot_light_sync_state.json', import.meta.url),
    'utf8',
  ),
) as { lightSyncState: { finalizedBlockHeader: string; grandpaAuthoritySet: string } }
const bytes = (h: string) => Uint8Array.from(Buffer.from(h.slice(2), 'hex'))

describe('Polkadot light-sync checkpoint', () => {
  it('hashes the finalized header #29378183 to the checkpoint hash, with BABE pre-runtime and seal digests', () => {
    const h = decodeSubstrateHeader(bytes(checkpoint.lightSyncState.finalizedBlockHeader))
    expect(h.hash).toBe('0xb59af2237155c00bb0522707366ddf800002b8a7bb2ef4f6694d5baa98392fad')
    expect(h.number).toBe(29378183n)
    expect(h.digest[0]).toMatchObject({ kind: 6, engine: '0x42414245' })
    expect(h.digest.at(-1)).toMatchObject({ kind: 5, engine: '0x42414245' })
    expect(new TypeRegistry().createType('Header', checkpoint.lightSyncState.finalizedBlockHeader).hash.toHex()).toBe(
      h.hash,
    )
  })

  it('decodes the 600-member authority list of set 3195 (threshold 401)', () => {
    const set = bytes(checkpoint.lightSyncState.grandpaAuthoritySet)
    const listBytes = 2 + 600 * 40
    const authorities = decodeGrandpaAuthorities(set.subarray(0, listBytes))
    expect(authorities).toHaveLength(600)
    expect(authorities.every((a) => a.weight === 1n)).toBe(true)
    expect(createScaleReader(set.subarray(listBytes), 'set id').u64()).toBe(3195n)
    expect(grandpaThreshold(600n)).toBe(401n)
    const e = thrown(() => decodeGrandpaAuthorities(set.subarray(0, listBytes + 1)))
    expect((e as InvalidProofError).reason).toBe('TRAILING_DATA')
  })

  it('refuses an authority list with a repeated id or a zero weight', () => {
    const entry = (w: number) => [...new Uint8Array(32).fill(1), w, 0, 0, 0, 0, 0, 0, 0]
    for (const list of [
      [...entry(1), ...entry(1)],
      [...entry(0), ...entry(0)],
    ]) {
      const e = thrown(() => decodeGrandpaAuthorities(Uint8Array.from([8, ...list])))
      expect(e).toBeInstanceOf(InvalidProofError)
    }
  })
})
