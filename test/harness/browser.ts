// Headless Chromium for browser tests: Debian's `chromium` package (or $CHROMIUM_PATH) driven by
// playwright-core, with a fresh profile per launch and every network feature that could reach
// beyond loopback switched off. Pages record console errors, uncaught exceptions and failed requests.
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type BrowserContext, chromium, type Page } from 'playwright-core'
import { ProcessFailedError } from '../../errors.js'

/** Flags for a closed network: no QUIC, sync, component updates or background fetches. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
] as const

/** The browser executable: $CHROMIUM_PATH, else Debian's /usr/bin/chromium. */
export const chromiumPath = (): string => process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

export interface WatchedPage {
  page: Page
  /** Console errors, uncaught exceptions and failed requests, in order (`<kind>: <text>`). */
  problems: string[]
}

export interface TestBrowser {
  context: BrowserContext
  /** A new page of `width`×`height` (default 1280×800) whose problems are recorded. */
  newPage(viewport?: { width: number; height: number }): Promise<WatchedPage>
  /** Close the browser and delete its profile. */
  close(): Promise<void>
}

/**
 * Launch headless Chromium with a fresh `--user-data-dir` (a temporary directory, removed on close).
 * @throws ProcessFailedError when the executable is missing or does not start within `timeoutMs`
 * @example
 * const b = await launchBrowser(); const { page, problems } = await b.newPage(); await b.close()
 */
export const launchBrowser = async (timeoutMs = 30_000): Promise<TestBrowser> => {
  const executablePath = chromiumPath()
  if (!existsSync(executablePath))
    throw new ProcessFailedError({
      name: 'chromium',
      detail: `${executablePath} not found: apt-get install -y chromium, or set CHROMIUM_PATH`,
    })
  const profile = mkdtempSync(join(tmpdir(), 'isthmus-chromium-'))
  let context: BrowserContext
  try {
    // A persistent context is how playwright takes a user-data-dir of our choosing.
    context = await chromium.launchPersistentContext(profile, {
      executablePath,
      args: [...CHROMIUM_ARGS],
      headless: true,
      timeout: timeoutMs,
      viewport: { width: 1280, height: 800 },
      serviceWorkers: 'block',
    })
  } catch (e) {
    rmSync(profile, { recursive: true, force: true })
    throw new ProcessFailedError({ name: 'chromium', detail: String((e as Error).message).split('\n')[0]!, cause: e })
  }
  return {
    context,
    newPage: async (viewport = { width: 1280, height: 800 }) => {
      const page = await context.newPage()
      await page.setViewportSize(viewport)
      page.setDefaultTimeout(15_000)
      const problems: string[] = []
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(`console: ${m.text()}`)
      })
      page.on('pageerror', (e) => problems.push(`exception: ${e.message}`))
      page.on('requestfailed', (r) => {
        // An EventSource aborted by a navigation or by closing the page is not a failure of the page.
        if (r.failure()?.errorText !== 'net::ERR_ABORTED')
          problems.push(`request: ${r.url()} ${r.failure()?.errorText}`)
      })
      return { page, problems }
    },
    close: async () => {
      try {
        await context.close()
      } finally {
        rmSync(profile, { recursive: true, force: true })
      }
    },
  }
}
