import { UsageError } from '../../errors.js'
import { createIsthmusClient, type MessageView } from '../../sdk/index.js'
import { EXIT } from '../exitCodes.js'
import { parseCommandArgs } from '../parseCommandArgs.js'
import { API_FLAGS, API_FLAGS_USAGE, resolveApiUrl } from '../resolveApiTarget.js'
import type { CliCommand } from '../types.js'

const USAGE = `Usage: isthmus status <message id> [--api URL] [--devnet FILE] [--json]

Show one message as the API reports it: status, stage times, source and delivery transactions,
and what it is waiting for.
${API_FLAGS_USAGE}

Exit codes: 0 found (whatever its status), 3 unknown id, 5 API unreachable, 2 usage error.`

const STAGES = ['dispatched', 'observed', 'verified', 'attested', 'certified', 'submitted', 'delivered', 'failed']

/** The human-readable view of a message. */
export const describeMessage = (m: MessageView): string => {
  const lines = [
    `message   ${m.id}`,
    `status    ${m.status}${m.attestations ? ` (${m.attestations.count}/${m.attestations.threshold} signatures)` : ''}`,
    `route     ${m.route ? `${m.route.from} -> ${m.route.to}` : `domain ${m.origin} -> domain ${m.destination}`}, nonce ${m.nonce}`,
  ]
  if (m.sender) lines.push(`sender    ${m.sender}`)
  if (m.recipient) lines.push(`recipient ${m.recipient}`)
  if (m.transfer) lines.push(`transfer  ${m.transfer.amount} of asset ${m.transfer.assetId}`)
  if (m.source) lines.push(`source    ${m.source.chain} block ${m.source.blockNumber} tx ${m.source.txHash}`)
  if (m.delivery) lines.push(`delivery  ${m.delivery.chain} block ${m.delivery.blockNumber} tx ${m.delivery.txHash}`)
  if (m.failure)
    lines.push(
      `failure   ${m.failure.reason}${m.failure.detail ? `: ${m.failure.detail}` : ''}${m.failure.retryable ? ' (retrying)' : ''}`,
    )
  if (m.waitingFor)
    lines.push(
      `waiting   ${m.waitingFor.code}: ${m.waitingFor.detail}${m.waitingFor.progress ? ` (${m.waitingFor.progress.have}/${m.waitingFor.progress.need})` : ''}`,
    )
  const stages = STAGES.filter((s) => m.stages[s] !== undefined).map((s) => `  ${s.padEnd(10)} ${m.stages[s]}`)
  if (stages.length > 0) lines.push('stages', ...stages)
  return lines.join('\n')
}

/** `isthmus status <id>`: one message's status through the API. */
export const statusCommand: CliCommand = {
  name: 'status',
  summary: 'Show the status of one message (through the API)',
  usage: USAGE,
  run: async (ctx) => {
    const { values, positionals } = parseCommandArgs(ctx.argv, API_FLAGS, USAGE)
    if (positionals.length !== 1) throw new UsageError({ detail: `Expected one message id.\n\n${USAGE}` })
    const id = positionals[0]!
    if (!/^0x[0-9a-fA-F]{64}$/.test(id))
      throw new UsageError({ detail: 'The message id must be 0x followed by 32 bytes of hex.' })
    const client = createIsthmusClient({ apiUrl: resolveApiUrl(ctx, values, USAGE) })
    const m = await client.getMessage(id.toLowerCase() as `0x${string}`)
    ctx.stdout.write(`${values.json ? JSON.stringify(m) : describeMessage(m)}\n`)
    return EXIT.ok
  },
}
