import { hexlify, toUtf8Bytes } from 'ethers'
import { UsageError } from '../../errors.js'
import type { Hex } from '../../sdk/index.js'
import { parseCommandArgs } from '../parseCommandArgs.js'
import { SEND_FLAGS, SEND_FLAGS_USAGE, sendAndFollow, setupSend } from '../sendThroughApi.js'
import type { CliCommand } from '../types.js'

const USAGE = `Usage: isthmus send (--data 0x… | --text STRING) [--recipient 0x…] [--from REF] [--to REF]
                    [--key-env NAME | --keystore FILE --password-env NAME] [--rpc URL]
                    [--no-wait] [--timeout-ms N] [--api URL] [--devnet FILE] [--json]

Send an app message: the API builds the bridge's dispatch transaction, this command signs and
sends it, checks the Dispatch event and follows the message until the recipient contract on --to
has handled it (delivered) or refused it (failed, e.g. RECIPIENT_REVERTED).
  --data 0x…         the payload bytes (at most 65535), or
  --text STRING      a UTF-8 payload
  --recipient 0x…    the recipient contract on --to (with --devnet: its recording recipient)
${SEND_FLAGS_USAGE}

Exit codes: 0 delivered (dispatched with --no-wait), 1 failed or refused, 4 not delivered within
--timeout-ms, 5 API unreachable, 2 usage error.`

const OPTIONS = { ...SEND_FLAGS, data: { type: 'string' }, text: { type: 'string' } } as const

/** `isthmus send`: an app message through the API, signed locally. */
export const sendCommand: CliCommand = {
  name: 'send',
  summary: 'Send an app message to a contract on another chain and follow it to delivery',
  usage: USAGE,
  run: async (ctx) => {
    const { values: v, positionals } = parseCommandArgs(ctx.argv, OPTIONS, USAGE)
    if (positionals.length > 0) throw new UsageError({ detail: `Unexpected argument ${positionals[0]}.\n\n${USAGE}` })
    if ((v.data === undefined) === (v.text === undefined))
      throw new UsageError({ detail: `Give exactly one of --data and --text.\n\n${USAGE}` })
    if (v.data !== undefined && !/^0x([0-9a-fA-F]{2})*$/.test(v.data))
      throw new UsageError({ detail: '--data must be 0x-hex bytes.' })
    const payload = (v.data ?? hexlify(toUtf8Bytes(v.text ?? ''))).toLowerCase() as Hex
    if ((payload.length - 2) / 2 > 65_535) throw new UsageError({ detail: 'The payload is larger than 65535 bytes.' })
    const s = setupSend(ctx, v, USAGE)
    const recipient = v.recipient ?? s.devnet?.chains.find((c) => c.ref === s.to)?.recipient
    if (!recipient) throw new UsageError({ detail: `--recipient is required.\n\n${USAGE}` })
    if (!/^0x([0-9a-fA-F]{40}|[0-9a-fA-F]{64})$/.test(recipient))
      throw new UsageError({ detail: '--recipient must be a 20-byte address or a bytes32 account (0x-hex).' })
    return sendAndFollow(ctx, v, s, { kind: 'message', from: s.from, to: s.to, recipient, payload })
  },
}
