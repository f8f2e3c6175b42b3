import CLVCore
import CLVData
import CLVModels
import Foundation
import HTTPTypes
import Hummingbird

/// `/v1/model-runs`: saved fits, and new fits run in the background.
enum ModelRunRoutes {
    struct FitRequest: Decodable, Sendable {
        var model: String
        /// End of the calibration window (default: the last day with an order).
        var end: String?
        var unit: String?
        var penalizer: Double?
    }

    static func register(_ routes: RouteTable, _ services: Services) {
        routes.add(RouteSpec(
            method: .get, path: "/v1/model-runs", roles: .analysts, summary: "Saved model fits, newest first.", tag: "models"
        )) { _, _ in
            let runs = try await services.store.modelRuns()
            return JSON.response(object: ["model_runs": runs.map(describe)])
        }

        routes.add(RouteSpec(
            method: .get, path: "/v1/model-runs/{id}", roles: .analysts,
            summary: "One saved fit: parameters, standard errors, 95% intervals, log-likelihood, AIC, BIC.", tag: "models",
            responses: [200: "The run", 404: "No such run"]
        )) { _, context in
            guard let id = Int64(try context.id()), let run = try await services.store.modelRun(id: id) else {
                throw APIError.notFound("No model run with that id; list them at /v1/model-runs.")
            }
            return JSON.response(object: describe(run))
        }

        routes.add(RouteSpec(
            method: .post, path: "/v1/model-runs", roles: .analysts,
            summary: "Fit a model on the stored orders in the background; returns a job to poll at /v1/fit-jobs/{id}.",
            tag: "models", requestBody: "FitRequest", responses: [202: "Queued", 422: "Invalid request"]
        )) { request, context in
            let body = try await JSON.decode(FitRequest.self, from: request, context: context)
            guard let kind = ModelKind(rawValue: body.model) else {
                throw APIError.unprocessable("Field 'model' must be one of: \(ModelKind.allCases.map(\.rawValue).joined(separator: ", ")).")
            }
            let unit = try body.unit.map { text in
                guard let unit = TimeUnit(rawValue: text) else { throw APIError.unprocessable("Field 'unit' must be day, week or month.") }
                return unit
            } ?? .week
            let penalizer = body.penalizer ?? 0
            guard penalizer >= 0, penalizer.isFinite else { throw APIError.unprocessable("Field 'penalizer' must be a number ≥ 0.") }
            let end: CalendarDay
            if let text = body.end {
                guard let day = CalendarDay(iso: text) else { throw APIError.unprocessable("Field 'end' must be a date YYYY-MM-DD.") }
                end = day
            } else {
                guard let last = try await services.store.statistics().lastDay else {
                    throw APIError.unprocessable("There are no orders to fit on: ingest some first.")
                }
                end = last
            }
            let scores = services.scores
            let job = await services.fits.submit(
                kind: kind, end: end, unit: unit, penalizer: penalizer, fitter: ModelFitter(store: services.store)
            ) {
                try? await scores.loadModels(fitIfMissing: false)
            }
            return try JSON.response(job, status: .accepted)
        }

        routes.add(RouteSpec(
            method: .get, path: "/v1/fit-jobs/{id}", roles: .analysts, summary: "The status of a background fit.", tag: "models",
            responses: [200: "The job", 404: "No such job"]
        )) { _, context in
            guard let id = Int(try context.id()), let job = await services.fits.job(id) else {
                throw APIError.notFound("No fit job with that id.")
            }
            return try JSON.response(job)
        }
    }

    /// A run as JSON, with the fitted parameters, standard errors and 95% intervals when the fit JSON has them.
    static func describe(_ run: ModelRunRecord) -> [String: Any] {
        var object: [String: Any] = [
            "id": run.id, "model": run.model, "created_at": run.createdAt, "data_end": run.dataEnd.description,
            "unit": run.unit.rawValue, "n_customers": run.customers, "converged": run.converged,
            "log_likelihood": run.logLikelihood ?? NSNull(),
        ]
        let data = Data(run.fitJSON.utf8)
        var values: [Double]?, names: [String]?, diagnostics: FitDiagnostics?
        if let model = try? JSONDecoder().decode(AnyPurchaseModel.self, from: data) {
            names = model.namedParameters.map(\.name)
            values = model.namedParameters.map(\.value)
            diagnostics = model.diagnostics
        } else if let model = try? JSONDecoder().decode(GammaGamma.self, from: data) {
            names = GammaGamma.Parameters.names
            values = model.parameters.values
            diagnostics = model.diagnostics
        }
        if let names, let values, let diagnostics {
            object["params"] = Dictionary(uniqueKeysWithValues: zip(names, values))
            if let se = diagnostics.standardErrors { object["standard_errors"] = Dictionary(uniqueKeysWithValues: zip(names, se)) }
            if let ci = diagnostics.confidenceIntervals(for: values) {
                object["confidence_intervals_95"] = Dictionary(uniqueKeysWithValues: zip(names, ci.map { [$0.lower, $0.upper] }))
            }
            object["aic"] = diagnostics.aic
            object["bic"] = diagnostics.bic
            object["iterations"] = diagnostics.iterations
        }
        return object
    }
}
