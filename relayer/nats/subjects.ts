import { MessageInvalidError } from '../../errors.js'

/** Subject roots and stream names of DESIGN.md "NATS JetStream". */
export const SUBJECTS = {
  attestations: 'isthmus.att',
  deliveries: 'isthmus.dlv',
  memberDeliveries: 'isthmus.dlvm',
  events: 'isthmus.evt',
  proofs: 'isthmus.proof',
  deadLetters: 'isthmus.dlq',
} as const

export const STREAMS = {
  attestations: 'ATTESTATIONS',
  deliveries: 'DELIVERIES',
  memberDeliveries: 'MEMBER_DELIVERIES',
  events: 'EVENTS',
  proofs: 'PROOFS',
  deadLetters: 'DEAD_LETTERS',
} as const

export const BUCKETS = { cursors: 'isthmus-cursors', messages: 'isthmus-messages' } as const

const TOKEN = /^[^\s.*>]+$/

/**
 * One subject token; ids, domains and relayer names never contain `.`, `*`, `>` or spaces.
 * @throws MessageInvalidError
 */
const token = (v: string | number): string => {
  const s = String(v)
  if (!TOKEN.test(s)) {
    throw new MessageInvalidError({ field: 'subject token', expected: 'no ".", "*", ">" or whitespace', got: s })
  }
  return s
}

/** `isthmus.att.<dest>.<id>.<relayer>`: one subject per signature, so a stream holds one per (signer, id). */
export const attestationSubject = (destination: number, id: string, relayer: string): string =>
  `${SUBJECTS.attestations}.${token(destination)}.${token(id)}.${token(relayer)}`

/** `isthmus.dlv.<dest>`: quorum certificates waiting for a deliverer. */
export const deliverySubject = (destination: number): string => `${SUBJECTS.deliveries}.${token(destination)}`

/** `isthmus.dlvm.<dest>`: certificates every member acts on (destinations with `deliveryMode: 'every-member'`). */
export const memberDeliverySubject = (destination: number): string =>
  `${SUBJECTS.memberDeliveries}.${token(destination)}`

/** `isthmus.evt.<status>.<origin>.<dest>`. */
export const eventSubject = (status: string, origin: number, destination: number): string =>
  `${SUBJECTS.events}.${token(status)}.${token(origin)}.${token(destination)}`

/** `isthmus.proof.<origin>.<id>`. */
export const proofSubject = (origin: number, id: string): string => `${SUBJECTS.proofs}.${token(origin)}.${token(id)}`

/** Dead letters keep the original subject after the prefix: `isthmus.dlq.att.<dest>.<id>.<relayer>`. */
export const deadLetterSubject = (original: string): string =>
  `${SUBJECTS.deadLetters}.${original.startsWith('isthmus.') ? original.slice('isthmus.'.length) : original}`
