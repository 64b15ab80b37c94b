// DOM builders. Every string that comes from the API or a chain goes in as a text node or an
// attribute value (setAttribute), never parsed as markup (no HTML string APIs anywhere).

/** `h('li', { class: 'x', 'data-id': id }, child, 'text', ...)`; null/undefined/false children are skipped. */
export const h = (tag, attrs = {}, ...children) => {
  const el = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue
    if (k.startsWith('on')) continue // no handlers from attribute maps
    el.setAttribute(k, v === true ? '' : String(v))
  }
  append(el, children)
  return el
}

const append = (el, children) => {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue
    el.append(c instanceof Node ? c : document.createTextNode(String(c)))
  }
}

/** Replace an element's children. */
export const setChildren = (el, ...children) => {
  el.replaceChildren()
  append(el, children)
}

export const STAGES = ['observed', 'verified', 'attested', 'certified', 'submitted', 'delivered']
const TERMINAL = new Set(['delivered', 'failed', 'retracted'])
export const isInFlight = (m) => !TERMINAL.has(m.status)

export const shortHex = (x) =>
  typeof x === 'string' && x.length > 14 ? `${x.slice(0, 8)}…${x.slice(-6)}` : String(x ?? '')

/** A bytes32 account that is a left-padded EVM address, shown as the address. */
export const accountText = (b32) =>
  typeof b32 === 'string' && /^0x0{24}[0-9a-f]{40}$/i.test(b32) ? `0x${b32.slice(26)}` : (b32 ?? '')

const pad = (n, w = 2) => String(n).padStart(w, '0')
/** `HH:MM:SS.mmm` UTC of an ISO time. */
export const clock = (iso) => {
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return ''
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`
}
/** `3.2 s`, `4 min 5 s` ... */
export const duration = (ms) => {
  if (!Number.isFinite(ms)) return ''
  const s = Math.max(0, ms) / 1000
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`
}
export const ago = (iso, nowMs = Date.now()) => (iso ? `${duration(nowMs - Date.parse(iso))} ago` : 'never')

const badge = (status) => h('span', { class: `badge st-${status}` }, status)

const WAITING_TEXT = {
  finality: 'Waiting for source finality',
  quorum: 'Waiting for committee quorum',
  destination_paused: 'Destination bridge paused',
  rate_limited: 'Held by the destination rate limit',
  recipient_reverted: 'Recipient reverted',
  queued_large_transfer: 'Large transfer queued',
  delivery_pending: 'Delivery pending',
}

/** The per-stage timeline of a message: each stage with its time and the delay since the first stage. */
export const timeline = (m) => {
  const first = Math.min(...STAGES.map((s) => Date.parse(m.stages?.[s] ?? '')).filter(Number.isFinite))
  const nextIndex = STAGES.findIndex((s) => !m.stages?.[s])
  const items = STAGES.map((s, i) => {
    const at = m.stages?.[s]
    const isCurrent = !at && i === nextIndex && isInFlight(m)
    return h(
      'li',
      {
        class: 'step',
        'data-stage': s,
        'data-state': at ? 'done' : isCurrent ? 'current' : 'pending',
        'aria-current': isCurrent ? 'step' : undefined,
      },
      h('span', { class: 'step-name' }, s),
      at
        ? h('time', { datetime: at, title: at }, clock(at))
        : h('span', { class: 'step-time muted' }, isCurrent ? 'waiting' : '—'),
      at && Number.isFinite(first) ? h('span', { class: 'delta' }, `+${duration(Date.parse(at) - first)}`) : null,
    )
  })
  return h('ol', { class: 'timeline', 'aria-label': `Stages of message ${m.id}` }, items)
}

const waitingNote = (m) => {
  const w = m.waitingFor
  if (!w) return null
  const ratio = w.progress ? `${w.progress.have}/${w.progress.need}` : ''
  const progress = ratio && !w.detail.includes(ratio) ? ` (${ratio})` : ''
  const until = w.until ? `, until ${clock(w.until)} UTC` : ''
  return h(
    'p',
    { class: 'waiting', 'data-code': w.code },
    h('strong', {}, `${WAITING_TEXT[w.code] ?? w.code}${progress}: `),
    `${w.detail}${until}`,
  )
}

const failureNote = (m) =>
  m.failure
    ? h(
        'p',
        { class: 'failure' },
        h('strong', {}, `Failed (${m.failure.reason}${m.failure.retryable ? ', retrying' : ''}): `),
        m.failure.detail ?? m.failure.code ?? '',
      )
    : null

const field = (label, value) =>
  value === undefined || value === null || value === '' ? null : [h('dt', {}, label), h('dd', {}, h('code', {}, value))]

/** `amount` base units with `decimals` as a decimal number (`1.5`), exact for any size. */
export const formatUnits = (amount, decimals) => {
  let v
  try {
    v = BigInt(amount)
  } catch {
    return String(amount)
  }
  const base = 10n ** BigInt(decimals)
  const frac = (v % base).toString().padStart(decimals, '0').replace(/0+$/, '')
  return frac ? `${v / base}.${frac}` : `${v / base}`
}

const amountText = (t, assetOf) => {
  const a = assetOf?.(t.assetId)
  return a ? `${formatUnits(t.amount, a.decimals)} ${a.symbol}` : `${t.amount} units of ${shortHex(t.assetId)}`
}

const routeText = (m, chainOf) => {
  const from = m.route?.from ?? chainOf(m.origin)
  const to = m.route?.to ?? chainOf(m.destination)
  return `${from} → ${to}`
}

/** One message: status, id, route, timeline, why it waits, and its details. */
export const messageItem = (m, { chainOf, assetOf }) =>
  h(
    'li',
    { class: 'msg', 'data-id': m.id, 'data-status': m.status },
    h(
      'div',
      { class: 'msg-head' },
      badge(m.status),
      h('code', { class: 'msg-id', title: m.id }, shortHex(m.id)),
      h('span', { class: 'route' }, routeText(m, chainOf)),
      m.transfer
        ? h('span', { class: 'amount' }, amountText(m.transfer, assetOf))
        : m.sender // known once the API read the message itself (an event alone does not say)
          ? h('span', { class: 'kind' }, 'app message')
          : null,
      m.sender ? h('span', { class: 'sender', title: m.sender }, `from ${shortHex(accountText(m.sender))}`) : null,
    ),
    timeline(m),
    waitingNote(m),
    failureNote(m),
    h(
      'details',
      { class: 'msg-details' },
      h('summary', {}, 'Details'),
      h(
        'dl',
        {},
        field('Id', m.id),
        field('Nonce', m.nonce),
        field('Sender', m.sender ? accountText(m.sender) : undefined),
        field('Recipient', m.recipient ? accountText(m.recipient) : undefined),
        field('Beneficiary', m.transfer ? accountText(m.transfer.beneficiary) : undefined),
        field('Asset', m.transfer?.assetId),
        field('Source tx', m.source ? `${m.source.chain} block ${m.source.blockNumber} ${m.source.txHash}` : undefined),
        field(
          'Signatures',
          m.attestations ? `${m.attestations.count} of ${m.attestations.threshold} required` : undefined,
        ),
        field('Submitted', m.submission ? `${m.submission.chain} ${m.submission.txHash}` : undefined),
        field(
          'Delivered',
          m.delivery ? `${m.delivery.chain} block ${m.delivery.blockNumber} ${m.delivery.txHash}` : undefined,
        ),
      ),
    ),
  )

export const chainRow = (c) =>
  h(
    'tr',
    { 'data-chain': c.ref },
    h('th', { scope: 'row' }, h('span', { class: 'chain' }, c.ref), h('span', { class: 'muted kind' }, ` ${c.kind}`)),
    h('td', {}, String(c.domain)),
    h(
      'td',
      { class: c.head ? '' : 'bad' },
      c.head ? h('span', { title: c.head.hash }, `#${c.head.number}`) : 'unreachable',
    ),
    h('td', {}, c.finality.mode === 'confirmations' ? `${c.finality.confirmations} confirmations` : 'finalized tag'),
  )

/** One route with the assets that can take it, its in-flight count and whether it is halted. */
export const routeItem = (r, { symbols, inFlight, halted }) =>
  h(
    'li',
    { class: 'route-item', 'data-route': `${r.from}>${r.to}`, 'data-halted': halted ? 'true' : 'false' },
    h('span', { class: 'route-path' }, `${r.from} → ${r.to}`),
    h('span', { class: 'muted' }, symbols.length ? symbols.join(', ') : 'messages'),
    h('span', { class: 'count', title: 'messages in flight' }, `${inFlight} in flight`),
    halted ? h('span', { class: 'badge st-failed' }, 'halted') : null,
  )

export const memberRow = (m, nowMs) => {
  const health = m.silent ? 'silent' : m.lastSignedAt ? 'active' : 'idle'
  return h(
    'tr',
    { 'data-member': m.id, 'data-health': health },
    h('th', { scope: 'row', class: 'nowrap' }, m.id),
    h('td', {}, h('code', { title: m.address }, shortHex(m.address))),
    h(
      'td',
      {},
      m.lastSignedAt
        ? h('time', { datetime: m.lastSignedAt, title: m.lastSignedAt }, ago(m.lastSignedAt, nowMs))
        : 'never',
    ),
    h('td', {}, String(m.signatures)),
    h(
      'td',
      {},
      h(
        'span',
        { class: `health h-${health}`, title: health === 'idle' ? 'no signature seen yet' : undefined },
        health,
      ),
    ),
  )
}

export const alertItem = (a) =>
  h(
    'li',
    { class: `alert sev-${a.severity ?? 'warning'}`, 'data-alert': a.alert, 'data-seq': a.seq },
    h('span', { class: 'badge' }, a.severity ?? 'warning'),
    h('strong', {}, ` ${a.alert} `),
    a.at ? h('time', { datetime: a.at, title: a.at }, clock(a.at)) : null,
    h('p', { class: 'alert-detail' }, a.detail ?? ''),
  )
