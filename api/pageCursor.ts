/** The opaque `nextCursor` of `GET /v1/messages`: the EVENTS sequence of the last message on the page. */
export const encodeCursor = (seq: number): string => Buffer.from(`s${seq}`).toString('base64url')

/** The sequence a cursor stands for; undefined for anything this API did not issue. */
export const decodeCursor = (c: string): number | undefined => {
  const m = /^s([1-9]\d{0,15})$/.exec(Buffer.from(c, 'base64url').toString())
  return m ? Number(m[1]) : undefined
}
