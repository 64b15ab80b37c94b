// The Isthmus dashboard: routes, messages in flight with their stage timeline, search, committee
// health and alerts, kept live by the API's SSE stream. Plain ES modules, no build step, no CDN.
import { followEvents, getJson } from './api.js'
import {
  alertItem,
  chainRow,
  clock,
  isInFlight,
  memberRow,
  messageItem,
  routeItem,
  STAGES,
  setChildren,
  shortHex,
} from './render.js'

const MAX_MESSAGES = 300
const RECENT_SHOWN = 25
const MAX_ALERTS = 50
const REFRESH_DELAY_MS = 400
const MAX_REFRESHING = 6
const CHAINS_EVERY_MS = 10_000
const COMMITTEE_EVERY_MS = 5_000
const RANK = {
  dispatched: 0,
  observed: 1,
  verified: 2,
  attested: 3,
  certified: 4,
  queued: 5,
  submitted: 5,
  failed: 5,
  delivered: 6,
  retracted: 7,
}

const $ = (id) => document.getElementById(id)
const state = {
  chains: [],
  assets: [],
  /** id -> message view (API shape), newest insertions last */
  messages: new Map(),
  alerts: [],
  committee: undefined,
  halted: new Set(),
  search: undefined, // { ids: string[], views: Map }
}

const chainOf = (domain) => state.chains.find((c) => c.domain === domain)?.ref ?? `domain ${domain}`
const assetOf = (assetId) => state.assets.find((a) => a.assetId === assetId)
const labels = { chainOf, assetOf }
const firstTime = (m) =>
  Math.min(
    ...Object.values(m.stages ?? {})
      .map((t) => Date.parse(t))
      .filter(Number.isFinite),
  )

// ---------- rendering (batched per animation frame) ----------

let dirty = new Set()
let frame = 0
const invalidate = (...parts) => {
  for (const p of parts) dirty.add(p)
  if (!frame) frame = requestAnimationFrame(render)
}

/** Re-render a list of messages, keeping open <details> open. */
const renderMessages = (list, views) => {
  const open = new Set(
    [...list.querySelectorAll('li.msg')].filter((li) => li.querySelector('details')?.open).map((li) => li.dataset.id),
  )
  setChildren(
    list,
    views.map((m) => {
      const li = messageItem(m, labels)
      if (open.has(m.id)) li.querySelector('details').open = true
      return li
    }),
  )
}

function render() {
  frame = 0
  const parts = dirty
  dirty = new Set()
  if (parts.has('chains')) setChildren($('chains').tBodies[0], state.chains.map(chainRow))
  if (parts.has('chains') || parts.has('messages') || parts.has('routes')) renderRoutes()
  if (parts.has('messages')) {
    const all = [...state.messages.values()]
    const inflight = all.filter(isInFlight).sort((a, b) => firstTime(b) - firstTime(a))
    const done = all
      .filter((m) => !isInFlight(m))
      .sort((a, b) => lastTime(b) - lastTime(a))
      .slice(0, RECENT_SHOWN)
    renderMessages($('inflight'), inflight)
    renderMessages($('recent'), done)
    $('inflight-count').textContent = `(${inflight.length})`
    $('inflight-empty').hidden = inflight.length > 0
  }
  if (parts.has('search') || (parts.has('messages') && state.search)) renderSearch()
  if (parts.has('committee')) renderCommittee()
  if (parts.has('alerts')) {
    setChildren($('alerts'), state.alerts.length ? state.alerts.map(alertItem) : [emptyAlerts()])
  }
}

const lastTime = (m) =>
  Math.max(
    ...Object.values(m.stages ?? {})
      .map((t) => Date.parse(t))
      .filter(Number.isFinite),
  )
const emptyAlerts = () => {
  const li = document.createElement('li')
  li.className = 'muted'
  li.textContent = 'No alerts.'
  return li
}

const renderRoutes = () => {
  const routes = new Map()
  for (const a of state.assets)
    for (const r of a.routes) {
      const k = `${r.from}>${r.to}`
      const e = routes.get(k) ?? { route: r, symbols: [] }
      e.symbols.push(a.symbol)
      routes.set(k, e)
    }
  const refs = new Map(state.chains.map((c) => [c.domain, c.ref]))
  const inFlight = new Map()
  for (const m of state.messages.values()) {
    if (!isInFlight(m)) continue
    const k = `${m.route?.from ?? refs.get(m.origin)}>${m.route?.to ?? refs.get(m.destination)}`
    inFlight.set(k, (inFlight.get(k) ?? 0) + 1)
    if (!routes.has(k) && m.route) routes.set(k, { route: m.route, symbols: [] })
  }
  const domainOf = new Map(state.chains.map((c) => [c.ref, c.domain]))
  setChildren(
    $('routes'),
    [...routes.entries()].map(([k, e]) =>
      routeItem(e.route, {
        symbols: e.symbols,
        inFlight: inFlight.get(k) ?? 0,
        halted: state.halted.has(`${domainOf.get(e.route.from)}.${domainOf.get(e.route.to)}`),
      }),
    ),
  )
}

const renderCommittee = () => {
  const c = state.committee
  if (!c) {
    $('committee-summary').textContent = 'Committee unavailable.'
    return
  }
  const silent = c.members.filter((m) => m.silent).length
  const signing = c.members.filter((m) => !m.silent && m.lastSignedAt).length
  const risk = c.quorumHeadroom <= 0
  const summary = $('committee-summary')
  summary.dataset.state = risk ? 'risk' : silent ? 'degraded' : 'ok'
  summary.textContent =
    `Epoch ${c.epoch}: ${c.threshold} of ${c.members.length} signatures required (${c.policy}); ` +
    `${signing} signing, ${silent} silent` +
    (risk ? ' — quorum at risk' : '')
  const now = Date.now()
  setChildren(
    $('committee').tBodies[0],
    c.members.map((m) => memberRow(m, now)),
  )
}

const renderSearch = () => {
  const s = state.search
  if (!s) return setChildren($('search-results'))
  renderMessages($('search-results'), s.ids.map((id) => state.messages.get(id) ?? s.views.get(id)).filter(Boolean))
}

// ---------- data ----------

const remember = (m) => {
  state.messages.delete(m.id)
  state.messages.set(m.id, m)
  while (state.messages.size > MAX_MESSAGES) {
    const oldest = [...state.messages.values()].find((x) => !isInFlight(x)) ?? state.messages.values().next().value
    state.messages.delete(oldest.id)
  }
}

/** Merge a fetched view with what live events already told us (the API's index may lag the stream). */
const merge = (known, fetched) => {
  if (!known) return fetched
  const stages = { ...known.stages, ...fetched.stages }
  const status = (RANK[known.status] ?? 0) > (RANK[fetched.status] ?? 0) ? known.status : fetched.status
  return { ...fetched, stages, status, ...(status === fetched.status ? {} : { waitingFor: undefined }) }
}

const applyEvent = (e) => {
  if (!e || typeof e.id !== 'string') return
  const known = state.messages.get(e.id) ?? state.search?.views.get(e.id)
  const m = known
    ? { ...known, stages: { ...known.stages } }
    : { id: e.id, origin: e.origin, destination: e.destination, nonce: e.nonce, status: e.status, stages: {} }
  if ((STAGES.includes(e.status) || e.status === 'failed') && !m.stages[e.status]) m.stages[e.status] = e.at
  if (e.status === 'failed' || e.status === 'retracted' || (RANK[e.status] ?? 0) >= (RANK[m.status] ?? 0)) {
    if (m.status !== e.status) m.waitingFor = undefined
    m.status = e.status
  }
  if (e.status === 'attested') m.attestations = { count: e.count, threshold: e.threshold }
  remember(m)
  state.search?.views.set(m.id, m)
  scheduleRefresh(e.id)
  invalidate('messages')
}

const pending = new Map()
let refreshing = 0
const scheduleRefresh = (id, delay = REFRESH_DELAY_MS, tries = 3) => {
  if (pending.has(id)) return
  pending.set(
    id,
    setTimeout(async () => {
      pending.delete(id)
      // A burst (a replay after a reconnect) re-reads a few messages at a time.
      if (refreshing >= MAX_REFRESHING) return scheduleRefresh(id, delay, tries)
      refreshing += 1
      const r = await getJson(`v1/messages/${id}`).finally(() => {
        refreshing -= 1
      })
      if (!r.ok) {
        if (tries > 1) scheduleRefresh(id, delay * 2, tries - 1)
        return
      }
      const known = state.messages.get(id)
      const merged = merge(known, r.body)
      remember(merged)
      state.search?.views.set(id, merged)
      invalidate('messages')
      if ((RANK[merged.status] ?? 0) > (RANK[r.body.status] ?? 0) && tries > 1)
        scheduleRefresh(id, delay * 2, tries - 1)
    }, delay),
  )
}

const loadChains = async () => {
  const [c, a] = await Promise.all([getJson('v1/chains'), getJson('v1/assets')])
  if (c.ok) state.chains = c.body.chains
  if (a.ok) state.assets = a.body.assets
  invalidate('chains')
}

let committeeTimer = 0
const loadCommittee = async () => {
  clearTimeout(committeeTimer)
  const r = await getJson('v1/committee')
  state.committee = r.ok ? r.body : undefined
  invalidate('committee')
  committeeTimer = setTimeout(loadCommittee, COMMITTEE_EVERY_MS)
}
let committeeSoon = 0
const refreshCommitteeSoon = () => {
  if (committeeSoon) return
  committeeSoon = setTimeout(() => {
    committeeSoon = 0
    void loadCommittee()
  }, 500)
}

const addAlert = (a) => {
  if (a.alert === 'route-halted' && a.origin !== undefined) {
    state.halted.add(`${a.origin}.${a.destination}`)
    invalidate('routes')
  }
  if (state.alerts.some((x) => x.seq === a.seq)) return
  state.alerts.unshift(a)
  state.alerts.sort((x, y) => y.seq - x.seq)
  state.alerts.length = Math.min(state.alerts.length, MAX_ALERTS)
  invalidate('alerts')
}

const loadMessagesAndAlerts = async () => {
  const [m, a] = await Promise.all([
    getJson('v1/messages', { limit: 100 }),
    getJson('v1/alerts', { limit: MAX_ALERTS }),
  ])
  if (m.ok) for (const v of [...m.body.messages].reverse()) remember(merge(state.messages.get(v.id), v))
  if (a.ok) for (const x of a.body.alerts) addAlert(x)
  invalidate('messages', 'alerts')
}

// ---------- live ----------

const CONN_TEXT = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…', closed: 'Disconnected' }
const onState = (s) => {
  const el = $('connection')
  el.dataset.state = s
  el.textContent = CONN_TEXT[s] ?? s
}

const onEvent = ({ seq, type, data }) => {
  $('last-event').textContent = `Last event #${seq} (${type}) at ${clock(new Date().toISOString())} UTC`
  if (type === 'alert') return addAlert({ seq, ...data })
  if (type === 'halted') {
    // The same shape GET /v1/alerts gives a halted route.
    return addAlert({
      seq,
      alert: 'route-halted',
      severity: 'critical',
      origin: data.origin,
      destination: data.destination,
      chain: data.chain,
      detail: `${data.code}: ${data.detail}`,
      at: data.at,
      relayer: data.relayer,
    })
  }
  applyEvent(data)
  if (type === 'attested') refreshCommitteeSoon()
}

// ---------- search ----------

const search = async (raw) => {
  const q = raw.trim().toLowerCase()
  const status = $('search-status')
  if (!q) return clearSearch()
  const isB32 = /^0x[0-9a-f]{64}$/.test(q)
  if (!isB32 && !/^0x[0-9a-f]{40}$/.test(q)) {
    status.textContent = 'Enter a 0x… message id (64 hex digits) or a sender (a 0x address or a bytes32 account).'
    return
  }
  status.textContent = 'Searching…'
  if (isB32) {
    const r = await getJson(`v1/messages/${q}`)
    if (r.ok) {
      state.search = { ids: [r.body.id], views: new Map([[r.body.id, merge(state.messages.get(r.body.id), r.body)]]) }
      status.textContent = `Message ${shortHex(q)} found.`
      return invalidate('search')
    }
  }
  const r = await getJson('v1/messages', { sender: q, limit: 50 })
  if (!r.ok) {
    state.search = undefined
    status.textContent = `Search failed: ${r.body?.error?.message ?? `HTTP ${r.status}`}`
    return invalidate('search')
  }
  state.search = { ids: r.body.messages.map((m) => m.id), views: new Map(r.body.messages.map((m) => [m.id, m])) }
  const n = r.body.messages.length
  status.textContent =
    n === 0
      ? `No message ${isB32 ? 'with that id or ' : ''}from sender ${shortHex(q)}.`
      : `${n}${r.body.nextCursor ? '+' : ''} message${n === 1 ? '' : 's'} from sender ${shortHex(q)}.`
  invalidate('search')
}

const clearSearch = () => {
  state.search = undefined
  $('search-status').textContent = ''
  $('search-input').value = ''
  invalidate('search')
}

// ---------- start ----------

const start = async () => {
  $('search').addEventListener('submit', (ev) => {
    ev.preventDefault()
    void search($('search-input').value)
  })
  $('search-clear').addEventListener('click', clearSearch)
  // Live first, then the snapshot: events that arrive meanwhile are merged, none is missed.
  followEvents({ onEvent, onState })
  await loadChains()
  await Promise.all([loadMessagesAndAlerts(), loadCommittee()])
  setInterval(loadChains, CHAINS_EVERY_MS)
  // Relative times ("3 s ago") age without new data.
  setInterval(() => invalidate('committee'), 5_000)
  document.body.dataset.ready = 'true'
}

void start()
