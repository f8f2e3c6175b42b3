import CLVCore
import CLVData
import CLVModels
import Foundation

/// A model run as stored, with its fitted model read back: the one reader of saved model JSON.
public struct SavedModel: Sendable {
    public var record: ModelRunRecord
    public var fitted: FittedModel

    public init(record: ModelRunRecord, fitted: FittedModel) {
        self.record = record
        self.fitted = fitted
    }

    /// Reads the record's fitted model: version 2 JSON (``FittedModel``), or the model JSON saved before it
    /// (``AnyPurchaseModel``'s schema 1, or ``GammaGamma``'s parameters and diagnostics), whose unit and window are
    /// the record's.
    /// - Throws: ``WorkflowError/unreadableModelRun(id:kind:reason:)``.
    public init(_ record: ModelRunRecord) throws(WorkflowError) {
        self.record = record
        guard record.kind != .learned else {
            throw .unreadableModelRun(
                id: record.id, kind: record.kind, reason: "it is a learned model, read by `clv explain` (LearnWorkflow), not a probabilistic fit")
        }
        let json = Data(record.fitJSON.utf8)
        let decoder = JSONDecoder()
        do {
            let version = try decoder.decode(VersionProbe.self, from: json).schemaVersion
            switch version {
            case 2?:
                fitted = try decoder.decode(FittedModel.self, from: json)
            case 1? where record.kind.isPurchaseModel:
                fitted = FittedModel(.purchase(try decoder.decode(AnyPurchaseModel.self, from: json)), unit: record.unit, calibrationEnd: record.dataEnd)
            case nil where record.kind == .gg:
                fitted = FittedModel(.spend(try decoder.decode(GammaGamma.self, from: json)), unit: record.unit, calibrationEnd: record.dataEnd)
            default:
                throw WorkflowError.unreadableModelRun(
                    id: record.id, kind: record.kind, reason: "schema version \(version.map(String.init) ?? "none") is not one this CLVKit reads")
            }
        } catch let error as WorkflowError {
            throw error
        } catch {
            throw .unreadableModelRun(id: record.id, kind: record.kind, reason: "\(error)")
        }
        guard fitted.kind == record.kind else {
            throw .unreadableModelRun(id: record.id, kind: record.kind, reason: "it holds a \(fitted.kind.rawValue) model")
        }
    }

    /// A new record of `fitted` (not saved yet): the model's versioned JSON, keys sorted, and its headline facts.
    public static func record(of fitted: FittedModel, dataEnd: CalendarDay) throws -> ModelRunRecord {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let d = fitted.diagnostics
        return ModelRunRecord(
            kind: fitted.kind, dataEnd: dataEnd, unit: fitted.unit, customers: Int(d.customerCount.rounded()),
            logLikelihood: d.logLikelihood, converged: d.converged, fitJSON: String(decoding: try encoder.encode(fitted), as: UTF8.self)
        )
    }

    private struct VersionProbe: Decodable { var schemaVersion: Int? }
}
