import CLVCore
import CLVData
import CLVModels
import CLVPipeline
import CLVText
import Foundation
import Hummingbird
import Logging

/// Builds the HTTP service: storage, scoring, routes, auth, metrics and the audit trail, as one Hummingbird
/// application. Each capability is one file of routes registered here.
public enum CLVService {
    /// The application for `configuration`, over `store`.
    /// - Parameters:
    ///   - onServerRunning: called with the bound port once the server listens (port 0 picks a free one).
    /// - Throws: storage errors while preparing; a failed model fit only leaves the service "not ready".
    public static func application(
        configuration: ServerConfiguration, store: some ServiceStore, logger: Logger,
        modelDirectory: ModelDirectory = ModelDirectory(),
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws -> some ApplicationProtocol {
        let workflow = Workflow(store: store)
        let scores = ScoreBook(workflow: workflow, model: configuration.model, settings: configuration, logger: logger)
        do {
            try await scores.start()
        } catch {
            logger.warning("no scoring model yet", metadata: ["reason": .string("\(error)")])
        }
        let audit = AuditTrail(store: store, logger: logger)
        let limiter = RateLimiter(rate: configuration.rateLimit, burst: configuration.rateBurst)
        let language = LanguageModels(directory: modelDirectory, embeddingModel: configuration.embeddingModel, encoderFolder: configuration.encoder)
        let services = Services(
            store: store, workflow: workflow, scores: scores, audit: audit, metrics: Metrics(), fits: FitJobs(), language: language,
            learned: .learned(store: store, language: language, maxAge: configuration.snapshotMaxAgeSeconds, logger: logger),
            recommender: .recommender(store: store, language: language, maxAge: configuration.snapshotMaxAgeSeconds, logger: logger),
            generations: GenerationQueue(limit: configuration.chatQueueLimit),
            configuration: configuration,
            eventImportID: try await store.beginImport(source: "POST /v1/events", format: "api"),
            eventLedger: EventRoutes.Ledger(), limiter: limiter, logger: logger
        )
        // Applying a learned run and loading the recommender take seconds: start now, not in the first request.
        _ = await services.learned.current()
        _ = await services.recommender.current()
        let router = Router(context: APIRequestContext.self)
        router.add(middleware: MetricsMiddleware(metrics: services.metrics))
        router.add(middleware: ErrorMiddleware())
        router.add(
            middleware: AuthMiddleware(
                keys: KeyCache(store: store), limiter: limiter,
                bodyLimit: configuration.maxBodyBytes
            ))
        let declaredMethods = DeclaredMethods()
        router.add(middleware: MethodMiddleware(declared: declaredMethods))
        let routes = RouteTable(router: router, methods: declaredMethods)
        OperationsRoutes.register(routes, services)
        CustomerRoutes.register(routes, services)
        EventRoutes.register(routes, services)
        InsightRoutes.register(routes, services)
        RecommendationRoutes.register(routes, services)
        AssistRoutes.register(routes, services)
        SegmentRoutes.register(routes, services)
        ModelRunRoutes.register(routes, services)
        LanguageRoutes.register(routes, services)
        DashboardRoutes.register(routes, services)
        try OperationsRoutes.registerDocument(routes)

        return Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "clvkit"),
            services: [audit],
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
            logger: logger
        )
    }
}
