// The dashboard in headless Chromium against a devnet (real chains, NATS, three relayers and the
// `isthmus api` process): it loads without console errors, renders routes and committee health,
// shows transfers sent while it is open move live (SSE) through the stage timeline to delivered,
// finds a message by id and by sender, and renders chain-provided text as text. Screenshots of the
// live run go to test/artifacts/.
import { copyFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { jest } from '@jest/globals'
import { jetstream } from '@nats-io/jetstream'
import type { Page } from 'playwright-core'
import { projectRoot } from '../../cli/devnet/projectRoot.js'
import type { Hex } from '../../types.js'
import { launchBrowser, type TestBrowser } from '../harness/browser.js'
import { type E2eDevnet, payloads, startE2eDevnet } from '../harness/e2eDevnet.js'
import { startTcpProxy, type TcpProxy } from '../harness/tcpProxy.js'
import { eventually } from '../harness/waitFor.js'

jest.setTimeout(90_000)

const TOKEN = 10n ** 18n
const ARTIFACTS = join(projectRoot(), 'test', 'artifacts')
let e: E2eDevnet
let browser: TestBrowser
let page: Page
let problems: string[]
let api: string
/** The page reaches the API through this proxy, so a test can cut its connections. */
let proxy: TcpProxy
let transferId: Hex

const msg = (id: string, within = '') => page.locator(`${within} li.msg[data-id="${id}"]`.trim())
const stageState = (id: string, stage: string, within = '') =>
  msg(id, within).locator(`li.step[data-stage="${stage}"]`).getAttribute('data-state')

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true })
  ;[e, browser] = await Promise.all([startE2eDevnet('dashboard', { api: true }), launchBrowser()])
  proxy = await startTcpProxy(new URL(e.devnet.api!.url).host)
  api = `http://${proxy.endpoint}`
  ;({ page, problems } = await browser.newPage({ width: 1280, height: 800 }))
}, 150_000)
afterAll(async () => {
  await browser?.close()
  await proxy?.close()
  await e?.stop()
})

describe('dashboard', () => {
  it('loads at / without console errors and renders chains, routes and the three committee members', async () => {
    const r = await page.goto(`${api}/`, { waitUntil: 'load' })
    expect(r?.status()).toBe(200)
    expect(new URL(page.url()).pathname).toBe('/dashboard/')
    await page.waitForSelector('body[data-ready="true"]')
    await page.waitForSelector('#connection[data-state="live"]')
    const { a, b } = e.devnet
    expect(await page.locator('#chains tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.chain))).toEqual([
      a.ref,
      b.ref,
    ])
    expect(await page.locator('#routes li').evaluateAll((li) => li.map((x) => x.dataset.route))).toEqual([
      `${a.ref}>${b.ref}`,
      `${b.ref}>${a.ref}`,
    ])
    await expect(page.locator('#routes li').first().textContent()).resolves.toContain(e.devnet.token.symbol)
    const members = await page.locator('#committee tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.member))
    expect(members).toEqual(e.devnet.relayers.map((x) => x.id))
    await expect(page.locator('#committee-summary').textContent()).resolves.toContain('2 of 3 signatures required')
    // Accessible names of the landmarks and controls.
    expect(await page.getByRole('search').count()).toBe(1)
    expect(await page.getByLabel('Message id or sender').count()).toBe(1)
    expect(await page.getByRole('status').first().textContent()).toBe('Live')
    expect(problems).toEqual([])
  })

  it('shows transfers sent while it is open arriving live and moving through the timeline to delivered', async () => {
    const [user, other, third] = [e.devnet.users[0]!, e.devnet.users[1]!, e.devnet.users[2]!]
    // Nothing reloads the page from here on: rows can only come from the SSE stream.
    const id = await e.client.sendToken({ from: 'A', user, amount: 3n * TOKEN, beneficiary: user.address })
    transferId = id
    await msg(id).first().waitFor({ timeout: 30_000 })
    await page.waitForSelector(`li.msg[data-id="${id}"][data-status="delivered"]`, { timeout: 45_000 })
    for (const s of ['observed', 'verified', 'attested', 'certified', 'delivered'])
      expect(await stageState(id, s, '#recent')).toBe('done')
    const deliveredAt = await msg(id, '#recent')
      .locator('li.step[data-stage="delivered"] time')
      .getAttribute('datetime')
    expect(Number.isFinite(Date.parse(deliveredAt ?? ''))).toBe(true)
    expect(await msg(id, '#recent').locator('.route').textContent()).toBe(`${e.devnet.a.ref} → ${e.devnet.b.ref}`)
    expect(await msg(id, '#recent').locator('.amount').textContent()).toBe(`3 ${e.devnet.token.symbol}`)

    // More traffic on both routes; the screenshot is taken while some of it is in flight.
    const batch = Promise.all([
      e.client.sendToken({ from: 'A', user: third, amount: 5n * TOKEN, beneficiary: other.address }),
      e.client.dispatchApp({ from: 'B', user: other, recipient: e.devnet.a.recipient, payloads: payloads('dash', 2) }),
    ])
    await page.waitForSelector('#inflight li.msg', { timeout: 30_000 })
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-live.png') })
    const [second, appIds] = await batch
    for (const x of [second, ...appIds])
      await page.waitForSelector(`li.msg[data-id="${x}"][data-status="delivered"]`, { timeout: 45_000 })
    await page.waitForSelector('#inflight-empty:not([hidden])', { timeout: 15_000 })
    // Committee health follows the signatures: at least the threshold of members signed.
    await page.locator('#committee tbody tr[data-health="active"]').nth(1).waitFor({ timeout: 15_000 })
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-delivered.png') })
    expect(problems).toEqual([])
  })

  it('finds the message by id and by sender through the API', async () => {
    const input = page.getByLabel('Message id or sender')
    await input.fill(transferId)
    await page.getByRole('button', { name: 'Search', exact: true }).click()
    await msg(transferId, '#search-results').waitFor()
    expect(await page.locator('#search-results li.msg').count()).toBe(1)
    expect(await stageState(transferId, 'delivered', '#search-results')).toBe('done')
    await expect(page.locator('#search-status').textContent()).resolves.toContain('found')

    const sender = e.devnet.users[0]!.address
    await input.fill(sender)
    await page.keyboard.press('Enter')
    await page.locator('#search-status', { hasText: 'from sender' }).waitFor({ timeout: 10_000 })
    await msg(transferId, '#search-results').waitFor()
    const senders = await page
      .locator('#search-results li.msg')
      .evaluateAll((li) => li.map((x) => x.querySelector('.sender')?.getAttribute('title') ?? ''))
    expect(senders.length).toBeGreaterThan(0)
    for (const s of senders) expect(s.toLowerCase()).toBe(`0x${'0'.repeat(24)}${sender.slice(2).toLowerCase()}`)
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-search.png') })
    // ISTHMUS_DOCS_SCREENSHOT=1 refreshes the README's picture from this run.
    if (process.env.ISTHMUS_DOCS_SCREENSHOT === '1')
      copyFileSync(join(ARTIFACTS, 'dashboard-live.png'), join(projectRoot(), 'docs', 'img', 'dashboard.png'))
    expect(problems).toEqual([])
  })

  it('shows live alerts and a halted route, rendering their text as text, never as markup', async () => {
    const hostile = '<img src=x id=injected onerror="document.body.dataset.pwned=1">low balance <b>bold</b>'
    await e.withJsm(async (_jsm, nc) => {
      await jetstream(nc).publish(
        'isthmus.evt.alert._._',
        JSON.stringify({
          v: 1,
          status: 'alert',
          alert: 'signer-balance-low',
          severity: 'warning',
          chain: e.devnet.b.ref,
          detail: hostile,
          at: new Date().toISOString(),
          relayer: 'dashboard-test',
        }),
      )
    })
    const item = page.locator('#alerts li[data-alert="signer-balance-low"]')
    await item.first().waitFor({ timeout: 15_000 })
    expect(await item.first().locator('.alert-detail').textContent()).toBe(hostile)
    expect(await page.locator('#injected, #alerts img, #alerts b').count()).toBe(0)
    expect(await page.locator('body').getAttribute('data-pwned')).toBeNull()
    // A relayer halting route B -> A (a halted event; RPC_ERROR raises no alert of its own).
    await e.withJsm(async (_jsm, nc) => {
      await jetstream(nc).publish(
        `isthmus.evt.halted.${e.devnet.b.domain}.${e.devnet.a.domain}`,
        JSON.stringify({
          v: 1,
          status: 'halted',
          origin: e.devnet.b.domain,
          destination: e.devnet.a.domain,
          chain: e.devnet.b.ref,
          at: new Date().toISOString(),
          relayer: 'dashboard-test',
          code: 'RPC_ERROR',
          detail: 'test halt <script>',
        }),
      )
    })
    const halted = page.locator(`#routes li[data-route="${e.devnet.b.ref}>${e.devnet.a.ref}"][data-halted="true"]`)
    const haltAlert = page.locator('#alerts li[data-alert="route-halted"] .alert-detail')
    await halted.waitFor({ timeout: 15_000 })
    expect(await haltAlert.first().textContent()).toBe('RPC_ERROR: test halt <script>')
    expect(await page.locator(`#routes li[data-halted="true"]`).count()).toBe(1)
    // The API keeps both: after a reload they come from /v1/alerts.
    await page.reload({ waitUntil: 'load' })
    await page.waitForSelector('body[data-ready="true"]')
    await item.first().waitFor({ timeout: 10_000 })
    await halted.waitFor({ timeout: 10_000 })
    expect(await haltAlert.count()).toBe(1)
    expect(problems).toEqual([])
  })

  it('resumes the event stream after its connection is cut, with Last-Event-ID, missing nothing', async () => {
    const resumes: { lastEventId?: string; fromSeq: string | null }[] = []
    page.on('request', (r) => {
      const u = new URL(r.url())
      if (u.pathname !== '/v1/events') return
      void r
        .allHeaders()
        .then((hd) => resumes.push({ lastEventId: hd['last-event-id'], fromSeq: u.searchParams.get('fromSeq') }))
    })
    const from = problems.length
    // Keep cutting every connection while a message is relayed end to end.
    proxy.cut()
    const cutting = setInterval(() => proxy.cut(), 40)
    let id: Hex
    try {
      await page.waitForSelector('#connection[data-state="reconnecting"]', { timeout: 15_000 })
      const user = e.devnet.users[1]!
      ;[id] = (await e.client.dispatchApp({
        from: 'A',
        user,
        recipient: e.devnet.b.recipient,
        payloads: payloads('cut', 1),
      })) as [Hex]
      await eventually(
        'delivery while cut off',
        async () => ((await e.client.status('B', id)) === 1 ? true : undefined),
        45_000,
      )
    } finally {
      clearInterval(cutting)
    }
    await page.waitForSelector('#connection[data-state="live"]', { timeout: 15_000 })
    // Only the resumed stream can bring it: the page never polls the message list.
    await page.waitForSelector(`li.msg[data-id="${id}"][data-status="delivered"]`, { timeout: 15_000 })
    for (const s of ['observed', 'verified', 'attested', 'certified', 'delivered'])
      expect(await stageState(id, s, '#recent')).toBe('done')
    expect(resumes.length).toBeGreaterThan(0)
    expect(resumes.some((r) => r.lastEventId !== undefined && /^\d+$/.test(r.lastEventId))).toBe(true)
    // What failed meanwhile was the cut connections, nothing else.
    expect(problems.slice(from).filter((p) => !/net::ERR_/.test(p))).toEqual([])
  })
})
