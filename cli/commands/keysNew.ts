import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { UsageError } from '../../errors.js'
import type { CliCommand } from '../types.js'
import { DEFAULT_PASSWORD_ENV, keystorePasswordFrom, writeNewKeystore } from '../writeKeystore.js'

const USAGE = `Usage: isthmus keys new --out <file> [--password-env NAME] [--json]

Create a new secp256k1 key and write it only as an encrypted keystore (Web3 Secret Storage v3,
scrypt), file mode 0600. Use it as an attestation or delivery key in the relayer config:
  attestationKey: { keystore: <file>, passwordEnv: NAME }
  --out <file>         where to write the keystore (refuses to overwrite)
  --password-env NAME  env var holding the password (default ${DEFAULT_PASSWORD_ENV}; at least 8 characters)
  --json               print { address, path } as JSON

The private key is never printed; the address is.`

const OPTIONS = { out: { type: 'string' }, 'password-env': { type: 'string' }, json: { type: 'boolean' } } as const

/** `isthmus keys new`: a fresh key in an encrypted keystore, so operators never handle plaintext keys. */
export const keysNewCommand: CliCommand = {
  name: 'keys new',
  summary: 'Create a key in an encrypted keystore file (prints its address)',
  usage: USAGE,
  run: async (ctx) => {
    let values: { out?: string; 'password-env'?: string; json?: boolean }
    try {
      ;({ values } = parseArgs({ args: ctx.argv, options: OPTIONS, strict: true, allowPositionals: false }))
    } catch (e) {
      throw new UsageError({ detail: `${(e as Error).message}\n\n${USAGE}` })
    }
    if (!values.out) throw new UsageError({ detail: `--out is required.\n\n${USAGE}` })
    const envName = values['password-env'] ?? DEFAULT_PASSWORD_ENV
    if (!/^[A-Z_][A-Z0-9_]*$/.test(envName))
      throw new UsageError({ detail: '--password-env must name an env var (UPPER_SNAKE).' })
    const password = keystorePasswordFrom(ctx.env, envName)
    const path = resolve(ctx.cwd, values.out)
    if (existsSync(path)) throw new UsageError({ detail: `${values.out} exists; refusing to overwrite a keystore.` })
    const { address } = await writeNewKeystore(path, password)
    ctx.stdout.write(values.json ? `${JSON.stringify({ address, path })}\n` : `address ${address}\nkeystore ${path}\n`)
    return 0
  },
}
