import { createPrivateKey } from 'node:crypto'
import * as grpc from '@grpc/grpc-js'
import { connect, type Gateway, hash, signers } from '@hyperledger/fabric-gateway'

export interface FabricGatewayOptions {
  /** `host:port` of the peer's gateway service (gRPC over TLS). */
  peerEndpoint: string
  /** PEM of the CA that issued the peer's TLS certificate. */
  tlsRootCertPem: string
  /** TLS server name to check instead of the endpoint's host (the peer's certificate names it). */
  tlsHostnameOverride?: string
  mspId: string
  /** The client identity's certificate (PEM). */
  certPem: string
  /** Its private key (PEM, PKCS#8 or SEC1). Never logged. */
  keyPem: string
  /** Deadline of evaluate / endorse / submit / commit-status calls. */
  requestTimeoutMs?: number
}

export interface FabricGatewayConnection {
  readonly gateway: Gateway
  readonly client: grpc.Client
  close(): void
}

/**
 * A Fabric Gateway connection (`@hyperledger/fabric-gateway`, the maintained SDK; the older
 * `fabric-network` is deprecated upstream): one gRPC client to the peer, signing with the
 * identity's key (ECDSA P-256, SHA-256).
 */
export const connectGateway = (o: FabricGatewayOptions): FabricGatewayConnection => {
  const client = new grpc.Client(o.peerEndpoint, grpc.credentials.createSsl(Buffer.from(o.tlsRootCertPem)), {
    ...(o.tlsHostnameOverride ? { 'grpc.ssl_target_name_override': o.tlsHostnameOverride } : {}),
    'grpc.max_receive_message_length': 100 * 1024 * 1024,
  })
  const timeoutMs = o.requestTimeoutMs ?? 30_000
  const deadline = () => ({ deadline: Date.now() + timeoutMs })
  const gateway = connect({
    client,
    identity: { mspId: o.mspId, credentials: Buffer.from(o.certPem) },
    signer: signers.newPrivateKeySigner(createPrivateKey(o.keyPem)),
    hash: hash.sha256,
    evaluateOptions: deadline,
    endorseOptions: deadline,
    submitOptions: deadline,
    commitStatusOptions: deadline,
  })
  return {
    gateway,
    client,
    close: () => {
      gateway.close()
      client.close()
    },
  }
}
