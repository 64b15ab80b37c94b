import { type KeyObject, X509Certificate } from 'node:crypto'
import { InvalidProofError } from '../../errors.js'
import type { FabricMspTrust } from './types.js'

/** Parsed trust anchors of the MSPs a bundle is checked against. */
export interface MspTrust {
  /**
   * The verified signing key of an identity: the PEM certificate must parse, be an EC P-256 end-entity
   * certificate valid at `atMs`, and chain (signature, issuer name, CA flag, validity) through the MSP's
   * intermediates to one of its roots.
   * @throws InvalidProofError UNKNOWN_AUTHORITY, CERT_CHAIN_INVALID
   */
  signingKey(mspId: string, certPem: Uint8Array, atMs: number, who: string): KeyObject
}

const MAX_CHAIN = 6
/** Verified identities remembered per trust object; the oldest is dropped beyond this (a relayer sees many clients). */
const MAX_REMEMBERED = 4096

const chainError = (who: string, detail: string, cause?: unknown) =>
  new InvalidProofError({ reason: 'CERT_CHAIN_INVALID', detail: `fabric-block: ${who}: ${detail}`, cause })

const parseCert = (pem: string | Uint8Array, who: string): X509Certificate => {
  try {
    return new X509Certificate(typeof pem === 'string' ? pem : Buffer.from(pem.buffer, pem.byteOffset, pem.byteLength))
  } catch (e) {
    throw chainError(who, 'certificate does not parse', e)
  }
}

const isValidAt = (c: X509Certificate, atMs: number): boolean =>
  c.validFromDate.getTime() <= atMs && atMs <= c.validToDate.getTime()

const issues = (issuer: X509Certificate, c: X509Certificate): boolean =>
  issuer.ca && c.checkIssued(issuer) && c.verify(issuer.publicKey)

/**
 * Parse the trust anchors once (roots, intermediates) and verify identities against them. Verified
 * (certificate, MSP) pairs are remembered (up to 4096, oldest dropped first), keyed by the PEM text;
 * the validity window is re-checked at each call's time.
 * @throws InvalidProofError CERT_CHAIN_INVALID for an anchor that does not parse
 */
export const createMspTrust = (anchors: Record<string, FabricMspTrust>): MspTrust => {
  const msps = new Map<string, { roots: X509Certificate[]; intermediates: X509Certificate[] }>()
  for (const [mspId, t] of Object.entries(anchors)) {
    msps.set(mspId, {
      roots: t.rootCerts.map((p) => parseCert(p, `MSP ${mspId} root`)),
      intermediates: (t.intermediateCerts ?? []).map((p) => parseCert(p, `MSP ${mspId} intermediate`)),
    })
  }
  const verified = new Map<string, { chain: X509Certificate[]; key: KeyObject }>()

  const chainOf = (mspId: string, leaf: X509Certificate, who: string): X509Certificate[] => {
    const msp = msps.get(mspId)!
    const chain = [leaf]
    for (let cur = leaf; chain.length <= MAX_CHAIN; ) {
      const root = msp.roots.find((r) => issues(r, cur))
      if (root !== undefined) return [...chain, root]
      const next = msp.intermediates.find((c) => !chain.includes(c) && issues(c, cur))
      if (next === undefined) break
      chain.push(next)
      cur = next
    }
    throw chainError(
      who,
      `certificate "${leaf.subject.replaceAll('\n', ', ')}" does not chain to a root of MSP ${mspId}`,
    )
  }

  return {
    signingKey: (mspId, certPem, atMs, who) => {
      if (!msps.has(mspId)) {
        throw new InvalidProofError({
          reason: 'UNKNOWN_AUTHORITY',
          detail: `fabric-block: ${who}: MSP ${JSON.stringify(mspId)} is not a trusted MSP`,
          meta: { mspId },
        })
      }
      const cacheKey = `${mspId}\u0000${Buffer.from(certPem.buffer, certPem.byteOffset, certPem.byteLength).toString('latin1')}`
      let entry = verified.get(cacheKey)
      if (entry === undefined) {
        const leaf = parseCert(certPem, who)
        // Fabric MSPs refuse CA certificates as identities.
        if (leaf.ca) throw chainError(who, 'a CA certificate cannot sign as an identity')
        const key = leaf.publicKey
        if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
          throw chainError(who, 'the certificate key is not ECDSA P-256')
        }
        entry = { chain: chainOf(mspId, leaf, who), key }
        if (verified.size >= MAX_REMEMBERED) verified.delete(verified.keys().next().value!)
        verified.set(cacheKey, entry)
      }
      const expired = entry.chain.find((c) => !isValidAt(c, atMs))
      if (expired !== undefined) {
        throw chainError(
          who,
          `certificate "${expired.subject.replaceAll('\n', ', ')}" is not valid at ${new Date(atMs).toISOString()}`,
        )
      }
      return entry.key
    },
  }
}
