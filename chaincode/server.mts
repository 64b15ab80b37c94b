/**
 * Chaincode-as-a-service entry: `tsx chaincode/server.ts` with CHAINCODE_ID (the package id the
 * peers installed, `label:sha256`) and CHAINCODE_SERVER_ADDRESS (`127.0.0.1:<port>`) in the
 * environment. The peers dial this server (connection.json of the ccaas package); no TLS on the
 * loopback link. Prints `chaincode server listening on <address>` once bound.
 */
import { createRequire } from 'node:module'
import { JSONSerializer } from 'fabric-contract-api'
import { ChaincodeRejectedError } from '../errors.js'
import { BridgeContract } from './bridgeContract.js'

const require = createRequire(import.meta.url)
const shim = require('fabric-shim') as {
  server(cc: unknown, opts: { ccid: string; address: string }): { start(): Promise<void> }
}
// fabric-shim's own adapter from Contract classes to the Chaincode interface (what its
// `fabric-chaincode-node server` bootstrap builds from a package.json "main").
const ChaincodeFromContract = require('fabric-shim/lib/contract-spi/chaincodefromcontract.js') as new (
  contracts: unknown[],
  serializers: unknown,
  metadata: unknown,
  title: string,
  version: string,
) => unknown

const ccid = process.env['CHAINCODE_ID']
const address = process.env['CHAINCODE_SERVER_ADDRESS']
if (!ccid || !address)
  throw new ChaincodeRejectedError({
    reason: 'BAD_ARGUMENT',
    detail: 'CHAINCODE_ID and CHAINCODE_SERVER_ADDRESS are required',
  })

const serializers = { transaction: 'jsonSerializer', serializers: { jsonSerializer: JSONSerializer } }
const chaincode = new ChaincodeFromContract([BridgeContract], serializers, {}, 'isthmus-bridge', '1.0.0')
await shim.server(chaincode, { ccid, address }).start()
process.stderr.write(`chaincode server listening on ${address}\n`)
