import { readFileSync } from 'node:fs'
import { isAbsolute, join } from 'node:path'
import { type FabricAdapterOptions, p256KeyPemOf } from '../adapters/index.js'
import type { Config, FabricChainConfig } from '../config/index.js'
import { ConfigInvalidError } from '../errors.js'
import type { ChainRef, Hex } from '../types.js'

const readPem = (configDir: string, path: string, field: string): string => {
  try {
    return readFileSync(isAbsolute(path) ? path : join(configDir, path), 'utf8')
  } catch {
    throw new ConfigInvalidError({ source: 'chains', issues: [{ path: field, message: `cannot read ${path}` }] })
  }
}

/**
 * The Fabric adapter's options from a `kind: fabric` chain entry: PEM files read relative to the
 * config file, the identity key (a resolved 32-byte P-256 scalar) turned into a PEM.
 * @throws ConfigInvalidError for an unreadable file, KeyInvalidError for an invalid key
 */
export const fabricAdapterOptionsOf = (
  c: FabricChainConfig,
  identityKey: Hex,
  cfg: Pick<Config, 'requestTimeoutMs'> & { configDir: string },
  index: number,
): FabricAdapterOptions => ({
  chain: c.ref as ChainRef,
  domain: c.domain,
  channel: c.channel,
  chaincode: c.chaincode,
  peerEndpoint: c.peerEndpoint,
  tlsRootCertPem: readPem(cfg.configDir, c.tlsRootCertPath, `chains.${index}.tlsRootCertPath`),
  ...(c.tlsHostnameOverride ? { tlsHostnameOverride: c.tlsHostnameOverride } : {}),
  mspId: c.mspId,
  certPem: readPem(cfg.configDir, c.identity.certPath, `chains.${index}.identity.certPath`),
  keyPem: p256KeyPemOf(identityKey, `chains.${index}.identity.key`),
  mspRoots: Object.fromEntries(
    Object.entries(c.mspRoots).map(([msp, paths]) => [
      msp,
      paths.map((p, j) => readPem(cfg.configDir, p, `chains.${index}.mspRoots.${msp}.${j}`)),
    ]),
  ),
  ordererMspIds: [...c.ordererMspIds],
  endorsementPolicy: { signedBy: [...c.endorsementPolicy.signedBy], rule: c.endorsementPolicy.rule },
  requestTimeoutMs: cfg.requestTimeoutMs,
})
