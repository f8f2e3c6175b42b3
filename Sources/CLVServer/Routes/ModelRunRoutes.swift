import CLVCore
import CLVData
import CLVModels
import CLVPipeline
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// `/v1/model-runs`: saved fits; `/v1/fit-jobs`: new fits run in the background.
enum ModelRunRoutes {
    struct FitRequest: Decodable, Sendable {
        var model: String
        /// End of the calibration window, YYYY-MM-DD (default: the last day with an order).
        var end: String?
        var unit: String?
        var penalizer: Double?

        /// The typed request, or a 422 naming the field and its valid values.
        func validated() throws -> (kind: ModelKind, end: CalendarDay?, unit: TimeUnit, penalizer: Double) {
            guard let kind = ModelKind(rawValue: model), ModelKind.probabilistic.contains(kind) else {
                let hint = model == ModelKind.learned.rawValue ? " (learned models are fitted with `clv learn fit`)" : ""
                throw APIError.unprocessable("Field 'model' must be one of: \(ModelKind.probabilistic.map(\.rawValue).joined(separator: ", "))\(hint).")
            }
            let unit =
                try unit.map { text in
                    guard let unit = TimeUnit(rawValue: text) else { throw APIError.unprocessable("Field 'unit' must be day, week or month.") }
                    return unit
                } ?? .week
            let penalizer = penalizer ?? 0
            guard penalizer >= 0, penalizer.isFinite else { throw APIError.unprocessable("Field 'penalizer' must be a number ≥ 0.") }
            let end = try end.map { text in
                guard let day = CalendarDay(iso: text) else { throw APIError.unprocessable("Field 'end' must be a date YYYY-MM-DD.") }
                return day
            }
            return (kind, end, unit, penalizer)
        }
    }

    static func register(_ routes: RouteTable, _ services: Services) {
        routes.add(
            RouteSpec(
                method: .get, path: "/v1/model-runs", roles: .analysts, summary: "Saved model fits, newest first.", tag: "models",
                response: ModelRunList.self
            )
        ) { _, _ in
            try JSON.response(ModelRunList(model_runs: try await services.store.modelRuns().map(ModelRunView.init(record:))))
        }

        routes.add(
            RouteSpec(
                method: .get, path: "/v1/model-runs/{id}", roles: .analysts,
                summary: "One saved fit: parameters, standard errors, 95% intervals, log-likelihood, AIC, BIC.", tag: "models",
                responses: [200: "The run", 404: "No such run"], response: ModelRunView.self
            )
        ) { _, context in
            guard let id = Int64(try context.id()), let run = try await services.store.modelRun(id: id) else {
                throw APIError.notFound("No model run with that id; list them at /v1/model-runs.")
            }
            return try JSON.response(ModelRunView(record: run))
        }

        routes.add(
            RouteSpec(
                method: .post, path: "/v1/fit-jobs", roles: .analysts,
                summary: "Fit a model on the stored orders in the background: a job to poll at /v1/fit-jobs/{id}, whose model_run_ids name the runs it saved.",
                tag: "models", requestBody: FitRequest.self,
                responses: [202: "Queued; Location is the job", 422: "Invalid request, or one this data cannot fit (an end before the first order)"],
                response: FitJobs.Job.self,
                links: [.init(name: "GetFitJob", status: 202, method: .get, path: "/v1/fit-jobs/{id}", parameters: ["id": "$response.body#/id"])],
                location: "The fit job to poll"
            )
        ) { request, context in
            let fit = try await JSON.decode(FitRequest.self, from: request, context: context).validated()
            let window = try await services.workflow.window(end: fit.end, unit: fit.unit)
            if let first = try await services.store.statistics().firstDay, window.calibrationEnd < first {
                throw APIError.unprocessable(
                    "Field 'end' (\(window.calibrationEnd)) is before the first order (\(first)): nothing to fit on; pick a later date.")
            }
            let scores = services.scores
            let job = await services.fits.submit(
                kind: fit.kind, window: window, options: EstimatorOptions(penalizer: fit.penalizer), workflow: services.workflow
            ) {
                do { try await scores.loadModels(fitIfMissing: false) } catch {
                    services.logger.error("reloading the models after a fit failed", metadata: ["error": .string("\(error)")])
                }
            }
            var response = try JSON.response(job, status: .accepted)
            response.headers[.location] = "/v1/fit-jobs/\(job.id)"
            return response
        }

        routes.add(
            RouteSpec(
                method: .get, path: "/v1/fit-jobs/{id}", roles: .analysts, summary: "The status of a background fit.", tag: "models",
                responses: [200: "The job", 404: "No such job"], response: FitJobs.Job.self,
                links: [
                    .init(name: "GetModelRun", status: 200, method: .get, path: "/v1/model-runs/{id}", parameters: ["id": "$response.body#/model_run_ids/0"])
                ]
            )
        ) { _, context in
            guard let id = Int(try context.id()), let job = await services.fits.job(id) else {
                throw APIError.notFound("No fit job with that id.")
            }
            return try JSON.response(job)
        }
    }
}
