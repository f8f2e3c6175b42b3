import CLVData
import CLVTestSupport
import Foundation
import NIOHTTP1
import Testing

@testable import CLVServer

/// The OpenAPI document is the contract: every response a route gives validates against the schema the document
/// declares for it, and every request schema's required fields are exactly what its type needs to decode.
@Suite(.serialized) struct SchemaTests {
    @Test func responsesMatchTheirDeclaredSchemas() async throws {
        try await TestServer.with { server in
            let document = try await server.request(.GET, "/openapi.json").json()
            let validator = SchemaValidator(document: document)
            let order =
                #"{"order_id": "schema-1", "customer_id": "schema-c", "timestamp": "1998-07-01T10:00:00Z", "lines": [{"product_id": "p", "title": "Teapot", "quantity": 2, "unit_price": 3.5}]}"#
            let requests: [(HTTPMethod, String, String, String?)] = [
                (.GET, "/healthz", "/healthz", nil), (.GET, "/readyz", "/readyz", nil),
                (.GET, "/v1/customers/{id}", "/v1/customers/1?interval=0.9", nil), (.GET, "/v1/customers", "/v1/customers?limit=3", nil),
                (.GET, "/v1/customers/{id}/orders", "/v1/customers/1/orders", nil),
                (.POST, "/v1/events", "/v1/events", order),
                (.PUT, "/v1/customers/{id}/consent", "/v1/customers/2/consent", #"{"marketing": true, "profiling": false}"#),
                (.GET, "/v1/segments", "/v1/segments?method=tier", nil), (.GET, "/v1/audiences", "/v1/audiences?tier=gold", nil),
                (.GET, "/v1/model-runs", "/v1/model-runs", nil), (.GET, "/v1/model-runs/{id}", "/v1/model-runs/1", nil),
                (.POST, "/v1/fit-jobs", "/v1/fit-jobs", #"{"model": "gg", "end": "1997-09-30"}"#),
                (.GET, "/v1/models", "/v1/models", nil), (.GET, "/v1/models/{id}", "/v1/models/all-MiniLM-L6-v2", nil),
                (.DELETE, "/v1/customers/{id}", "/v1/customers/3", nil),
            ]
            for (method, template, path, body) in requests {
                let reply = try await server.request(method, path, body: body)
                let schema = try #require(
                    validator.responseSchema(path: template, method: method.rawValue.lowercased(), status: reply.status),
                    "\(method) \(template) \(reply.status) is not documented")
                let value = try JSONSerialization.jsonObject(with: Data(reply.body.utf8), options: [.fragmentsAllowed])
                let problems = validator.problems(value, schema)
                #expect(problems.isEmpty, "\(method) \(path) -> \(reply.status): \(problems.prefix(5))")
            }
            // The validator is not vacuous: a wrong type, a missing field and an undeclared one are each reported.
            let run = try #require(validator.responseSchema(path: "/v1/model-runs/{id}", method: "get", status: 200))
            #expect(
                validator.problems(
                    ["id": "one", "model": "bgnbd", "created_at": "x", "data_end": "x", "unit": "week", "n_customers": 1, "converged": true], run
                ).count == 1)
            #expect(validator.problems(["model": "bgnbd"], run).count == 6)
            #expect(
                validator.problems(
                    ["id": 1, "model": "bgnbd", "created_at": "x", "data_end": "x", "unit": "week", "n_customers": 1, "converged": true, "extra": 1], run) == [
                        "$.extra is not declared"
                    ])
            // An error response follows the error schema too.
            let missing = try await server.request(.GET, "/v1/customers/nobody")
            let errorSchema = try #require(validator.responseSchema(path: "/v1/customers/{id}", method: "get", status: 404))
            #expect(validator.problems(try JSONSerialization.jsonObject(with: Data(missing.body.utf8)), errorSchema).isEmpty)
        }
    }

    @Test func requestSchemasRequireExactlyWhatTheTypesNeed() throws {
        try check(ModelRunRoutes.FitRequest.self)
        try check(EventRoutes.OrderEvent.self)
        try check(Consent.self)
        try check(LanguageRoutes.EmbeddingRequest.self)
        try check(LanguageRoutes.ChatRequest.self)
    }

    /// An example with every declared property decodes; without a required one it does not; without an optional
    /// one it still does.
    func check<T: Decodable & APISchema>(_ type: T.Type) throws {
        guard case let .object(properties)? = T.schema["properties"], case let .array(required)? = T.schema["required"] else {
            Issue.record("\(T.self) has no properties")
            return
        }
        let requiredNames = Set(required.compactMap { if case let .string(s) = $0 { s } else { nil } })
        let example = properties.mapValues(SchemaValidator.example)
        func decodes(_ object: [String: Any]) -> Bool {
            (try? JSONDecoder().decode(T.self, from: JSONSerialization.data(withJSONObject: object))) != nil
        }
        #expect(decodes(example), "\(T.self): an example of its schema does not decode: \(example)")
        for name in properties.keys {
            var without = example
            without[name] = nil
            #expect(
                decodes(without) == !requiredNames.contains(name),
                "\(T.self).\(name): required in the schema is \(requiredNames.contains(name)), in the type the opposite")
        }
    }
}

/// Just enough JSON Schema (2020-12, as OpenAPI 3.1 uses it) for CLVKit's document: type, properties, required,
/// additionalProperties, items, enum, oneOf, $ref, minimum, minLength, maxLength, maxItems.
struct SchemaValidator {
    let document: [String: Any]

    func responseSchema(path: String, method: String, status: Int) -> [String: Any]? {
        let paths = document["paths"] as? [String: Any]
        let operation = (paths?[path] as? [String: Any])?[method] as? [String: Any]
        let response = (operation?["responses"] as? [String: Any])?[String(status)] as? [String: Any]
        return ((response?["content"] as? [String: Any])?["application/json"] as? [String: Any])?["schema"] as? [String: Any]
    }

    func resolve(_ schema: [String: Any]) -> [String: Any] {
        guard let ref = schema["$ref"] as? String else { return schema }
        let name = String(ref.split(separator: "/").last ?? "")
        return ((document["components"] as? [String: Any])?["schemas"] as? [String: Any])?[name] as? [String: Any] ?? [:]
    }

    func problems(_ value: Any, _ raw: [String: Any], at path: String = "$") -> [String] {
        let schema = resolve(raw)
        if let options = (schema["oneOf"] ?? schema["anyOf"]) as? [[String: Any]] {
            return options.contains { problems(value, $0, at: path).isEmpty } ? [] : ["\(path): matches none of oneOf"]
        }
        var found: [String] = []
        let types = (schema["type"] as? [String]) ?? (schema["type"] as? String).map { [$0] } ?? []
        if !types.isEmpty, !types.contains(where: { Self.matches(value, type: $0) }) { return ["\(path): \(value) is not \(types)"] }
        if let allowed = schema["enum"] as? [Any], !allowed.contains(where: { "\($0)" == "\(value)" }) { found.append("\(path): \(value) not in \(allowed)") }
        if let minimum = schema["minimum"] as? Double, let number = value as? Double, number < minimum { found.append("\(path): \(number) < \(minimum)") }
        if let text = value as? String {
            if let max = schema["maxLength"] as? Int, text.count > max { found.append("\(path): longer than \(max)") }
            if let min = schema["minLength"] as? Int, text.count < min { found.append("\(path): shorter than \(min)") }
        }
        if let array = value as? [Any] {
            if let max = schema["maxItems"] as? Int, array.count > max { found.append("\(path): more than \(max) items") }
            if let items = schema["items"] as? [String: Any] {
                for (i, element) in array.enumerated() { found += problems(element, items, at: "\(path)[\(i)]") }
            }
        }
        if let object = value as? [String: Any] {
            let properties = schema["properties"] as? [String: Any] ?? [:]
            for name in schema["required"] as? [String] ?? [] where object[name] == nil { found.append("\(path).\(name) is required") }
            for (name, member) in object {
                if let property = properties[name] as? [String: Any] {
                    found += problems(member, property, at: "\(path).\(name)")
                } else if let additional = schema["additionalProperties"] as? [String: Any] {
                    found += problems(member, additional, at: "\(path).\(name)")
                } else if schema["additionalProperties"] as? Bool == false {
                    found.append("\(path).\(name) is not declared")
                }
            }
        }
        return found
    }

    static func matches(_ value: Any, type: String) -> Bool {
        switch type {
        case "null": return value is NSNull
        case "boolean": return (value as? NSNumber).map(isBoolean) ?? false
        case "integer": return (value as? NSNumber).map { !isBoolean($0) && $0.doubleValue.rounded() == $0.doubleValue } ?? false
        case "number": return (value as? NSNumber).map { !isBoolean($0) } ?? false
        case "string": return value is String
        case "array": return value is [Any]
        case "object": return value is [String: Any]
        default: return false
        }
    }

    static func isBoolean(_ number: NSNumber) -> Bool { String(cString: number.objCType) == "c" }

    /// A value of a request schema's property type.
    static func example(_ schema: JSONValue) -> Any {
        if case let .array(options)? = schema["oneOf"] ?? schema["anyOf"], let first = options.first { return example(first) }
        if case let .array(values)? = schema["enum"], case let .string(first)? = values.first { return first }
        if case let .array(values)? = schema["enum"], case let .number(first)? = values.first { return first }
        guard case let .string(type)? = schema["type"] else { return "x" }
        switch type {
        case "string": return schema["format"] == "date" ? "1997-09-30" : "x"
        case "integer": return 1
        case "number": return 1.5
        case "boolean": return true
        case "array": return [schema["items"].map(example) ?? "x"]
        case "object":
            guard case let .object(properties)? = schema["properties"] else { return [String: Any]() }
            return properties.mapValues(example)
        default: return "x"
        }
    }
}
