import ArgumentParser
import CLVAssist
import CLVCore
import CLVData
import CLVInsight
import CLVPipeline
import CLVText
import Foundation

extension CLV {
    /// `clv assist [--customer ID] [--session S] MESSAGE`.
    struct Assist: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Answer a customer's message from the knowledge base, or route it to a person.",
            discussion: """
                The message is redacted first. Its intent, sentiment and the customer's scores (tier, CLV, P(alive) \
                from the newest model runs, with --customer) decide the route by the rules of --routing (defaults: \
                config/assist-routing.json). An answer comes from the local SmolLM2, or from --llm-url (any \
                OpenAI-compatible endpoint; key from $CLV_LLM_API_KEY or --llm-key-env), grounded in retrieved \
                passages and checked: unsupported answers and weak retrieval go to a person. With --customer each \
                turn is stored as a redacted chat interaction; --session keeps a conversation's turns together. \
                Run `clv kb ingest knowledge-base/` first. JSON: {"intent", "confidence", "sentiment", "route", \
                "reasons", "answer", "sources", "offer"?, ...}.
                """)

        @Argument(help: "The customer's message.") var message: String
        @OptionGroup var database: DatabaseOptions
        @Option(help: "The customer writing (their scores are read from the store; the turn is stored).") var customer: String?
        @Option(help: "Conversation id: turns of one customer and session are read back as context.") var session: String?
        @Option(help: ArgumentHelp("Intent model (default: the installed e5-small one).", valueName: "MODEL")) var intentModel: String?
        @Option(help: ArgumentHelp("Routing rules (JSON; default: the documented defaults).", valueName: "FILE")) var routing: String?
        @Option(help: ArgumentHelp("OpenAI-compatible endpoint, e.g. http://localhost:11434/v1 (default: the local SmolLM2).", valueName: "URL"))
        var llmUrl: String?
        @Option(help: "Model name at --llm-url.") var llmModel: String?
        @Option(help: "Environment variable holding the endpoint's API key.") var llmKeyEnv = "CLV_LLM_API_KEY"
        @Option(help: "Output format: table or json.") var format: OutputFormat = .table

        func validate() throws {
            guard format != .csv else { throw ValidationError("clv assist prints --format table or json.") }
            if session != nil && customer == nil { throw ValidationError("--session needs --customer: sessions are stored per customer.") }
            if llmUrl != nil && llmModel == nil { throw ValidationError("--llm-url needs --llm-model NAME.") }
            if llmModel != nil && llmUrl == nil { throw ValidationError("--llm-model needs --llm-url URL.") }
            if let llmUrl, URL(string: llmUrl)?.scheme.map({ ["http", "https"].contains($0) }) != true {
                throw ValidationError("--llm-url must be an http:// or https:// URL.")
            }
            guard !message.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw ValidationError("Give a message.") }
        }

        func run() async throws {
            let store = try await database.openExisting()
            let id = customer.map { CustomerID($0) }
            var standing = CustomerStanding.unknown
            if let id { standing = try await AssistWorkflow.standing(of: id, store: store) }
            let workflow = AssistWorkflow(store: store, assistant: try await AssistModels.assistant(store: store, options: self))
            let response = try await workflow.respond(message: message, customer: id, standing: standing, session: session)
            if format == .json { return emit(try jsonText(response)) }
            var lines = ["route: \(response.route.rawValue) (\(response.action.rawValue))", "answer: \(response.answer)"]
            lines.append(String(format: "intent: %@ (confidence %.2f), sentiment %+.2f", response.intent, response.confidence, response.sentiment))
            if !response.sources.isEmpty { lines.append("sources: " + response.sources.joined(separator: ", ")) }
            if let offer = response.offer { lines.append(String(format: "offer: %@ %.0f%%", offer.kind.rawValue, offer.percent)) }
            lines += response.reasons.map { "  - " + $0 }
            emit(lines.joined(separator: "\n"))
        }
    }
}

/// The assistant as the CLI loads it: the local SmolLM2, or the endpoint of --llm-url.
enum AssistModels {
    static func assistant(store: any ServiceStore, options: CLV.Assist) async throws -> Assistant {
        let model: any AnswerModel
        if let url = options.llmUrl, let name = options.llmModel {
            model = OpenAICompatibleModel(baseURL: URL(string: url)!, model: name, apiKey: ProcessInfo.processInfo.environment[options.llmKeyEnv])
        } else {
            model = try LocalAnswerModel.load()
        }
        return try await AssistantAssembly.assistant(
            store: store, answerModel: model, intentModel: options.intentModel, routing: options.routing, warn: { progress($0) })
    }
}
