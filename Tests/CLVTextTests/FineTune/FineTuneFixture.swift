import CLVText
import Foundation

/// The PyTorch fine-tuning fixtures in `Resources/finetune/` (tools/finetune/reference_training.py; recipe in the
/// README there).
enum FineTuneFixture {
    /// `Resources/finetune`.
    static var folder: URL {
        guard let url = Bundle.module.url(forResource: "finetune", withExtension: nil, subdirectory: "Resources") else {
            preconditionFailure("Tests/CLVTextTests/Resources/finetune is missing: run tools/finetune/reference_training.py")
        }
        return url
    }

    /// The tiny BERT's model folder (config.json, model.safetensors, vocab.txt).
    static var tinyBERT: URL { folder.appendingPathComponent("tiny-bert") }

    /// The tiny BERT's initial weights.
    static func tinyWeights() throws -> BertWeights {
        let configuration = try BertConfiguration(contentsOf: tinyBERT.appendingPathComponent("config.json"))
        return try BertWeights(file: SafetensorsFile(contentsOf: tinyBERT.appendingPathComponent("model.safetensors")), configuration: configuration)
    }

    /// The fixed batch and the reference losses (`batch.json`).
    struct Batch: Decodable {
        struct Task: Decodable {
            let loss: Double
        }
        let texts: [String]
        let inputIDs: [[Int]]
        let lengths: [Int]
        let classificationLabels: [Int]
        let regressionTargets: [Double]
        let tasks: [String: Task]

        enum CodingKeys: String, CodingKey {
            case texts, lengths, tasks
            case inputIDs = "input_ids"
            case classificationLabels = "classification_labels", regressionTargets = "regression_targets"
        }

        /// Each sequence without its padding.
        var sequences: [[Int]] { zip(inputIDs, lengths).map { Array($0.prefix($1)) } }
    }

    static func batch() throws -> Batch {
        try JSONDecoder().decode(Batch.self, from: Data(contentsOf: folder.appendingPathComponent("batch.json")))
    }
}
