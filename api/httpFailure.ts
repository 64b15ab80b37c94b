import type { ZodError } from 'zod'
import type { ErrorResponse } from './schemas.js'

/** A request the API refuses: the HTTP status and the `{ error }` body (never thrown; returned). */
export interface HttpFailure {
  readonly httpStatus: number
  readonly body: ErrorResponse
}

export const fail = (
  httpStatus: number,
  code: string,
  message: string,
  field?: string,
  expected?: string,
): HttpFailure => ({
  httpStatus,
  body: {
    error: {
      code,
      message,
      ...(field === undefined ? {} : { field }),
      ...(expected === undefined ? {} : { expected }),
    },
  },
})

export const isFailure = (v: unknown): v is HttpFailure =>
  typeof v === 'object' && v !== null && 'httpStatus' in v && 'body' in v

/** 400 `request_invalid` naming the first offending field (`where` = body, query or path). */
export const invalidRequest = (e: ZodError, where: string): HttpFailure => {
  const issue = e.issues[0]!
  const path = issue.path.map(String)
  if (issue.code === 'unrecognized_keys') {
    const field = [...path, issue.keys[0]!].join('.')
    return fail(400, 'request_invalid', `Unknown field "${field}" in the ${where}.`, field, 'no unknown fields')
  }
  const field = path.join('.')
  const msg = field
    ? `Field "${field}" in the ${where} is invalid: ${issue.message}.`
    : `The ${where} is invalid: ${issue.message}.`
  return fail(400, 'request_invalid', msg, field || undefined, issue.message)
}
