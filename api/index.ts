/**
 * The HTTP API for dApps and monitoring: OpenAPI 3.1, quotes, unsigned transfers, message status with
 * reason codes, SSE, health and metrics (api/README.md). Schemas (types for the SDK) are in `schemas.ts`.
 */
export { type ApiAssetConfig, type ApiChain, type ApiSetup, apiSetupOf } from './apiChains.js'
export { type ApiLimits, DEFAULT_LIMITS } from './apiContext.js'
/**
 * Start the API server on `host:port` (0 = OS-chosen) with its event index.
 * @throws NatsApiError, NatsUnavailableError when JetStream is unreachable
 * @example const api = await createApiServer({ setup: apiSetupOf(cfg, log), nc, log }); await api.close()
 */
export { type ApiServer, type ApiServerOptions, createApiServer, defaultDashboardDir } from './createApiServer.js'
export type { EventIndex, IndexedStreamMessage } from './eventIndex.js'
export { applyStatusEvent, type IndexedMessage } from './indexedMessage.js'
export { API_ROUTES, openApiDocument } from './openApiDocument.js'
export { assetIdOf } from './resolveAssets.js'
export { type WaitingContext, waitingForOf } from './waitingFor.js'
