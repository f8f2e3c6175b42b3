import CLVData
import Foundation
import HTTPTypes

/// The OpenAPI 3.1 document of the routes, with the request bodies' schemas.
enum OpenAPIDocument {
    static func build(from specs: [RouteSpec]) throws -> String {
        var paths: [String: [String: JSONValue]] = [:]
        for spec in specs {
            var operation: [String: JSONValue] = [
                "summary": .string(spec.summary), "tags": [.string(spec.tag)],
                "operationId": .string(spec.operationID),
            ]
            var parameters: [JSONValue] = []
            for name in pathParameters(spec.path) {
                parameters.append(["name": .string(name), "in": "path", "required": true, "schema": ["type": "string", "maxLength": 256]])
            }
            for q in spec.query {
                parameters.append([
                    "name": .string(q.name), "in": "query", "required": false, "description": .string(q.description), "schema": q.schema,
                ])
            }
            if !parameters.isEmpty { operation["parameters"] = .array(parameters) }
            if let body = spec.requestBody {
                operation["requestBody"] = ["required": true, "content": ["application/json": ["schema": body.reference]]]
            }
            var responses: [String: JSONValue] = [:]
            let error: JSONValue = ["schema": ErrorBody.reference]
            for (status, description) in spec.responses.merging(commonResponses(spec), uniquingKeysWith: { declared, _ in declared }) {
                var response: [String: JSONValue] = ["description": .string(description)]
                response["content"] =
                    if status >= 400 {
                        ["application/json": error]
                    } else if let schema = spec.response {
                        .object(
                            Dictionary(
                                uniqueKeysWithValues: spec.produces.components(separatedBy: ", ").map { type in
                                    (type, type == "application/json" ? ["schema": schema.reference] : ["schema": Schema.string])
                                }))
                    } else {
                        [.init(stringLiteral: spec.produces.components(separatedBy: ", ").first ?? "application/json"): ["schema": [:]]]
                    }
                let links = spec.links.filter { $0.status == status }
                if !links.isEmpty {
                    response["links"] = .object(
                        Dictionary(
                            uniqueKeysWithValues: links.map { link in
                                (
                                    link.name,
                                    [
                                        "operationId": .string(RouteSpec.operationID(method: link.method, path: link.path)),
                                        "parameters": .object(link.parameters.mapValues(JSONValue.string)),
                                    ]
                                )
                            }))
                }
                if status == 201 || status == 202, let location = spec.location {
                    response["headers"] = ["Location": ["description": .string(location), "required": true, "schema": Schema.string]]
                }
                responses[String(status)] = .object(response)
            }
            if let roles = spec.roles {
                responses["401"] = ["description": "Missing or unknown API key", "content": ["application/json": error]]
                responses["403"] = ["description": "The key's role may not do this", "content": ["application/json": error]]
                responses["429"] = ["description": "Rate limit exceeded", "content": ["application/json": error]]
                operation["security"] = [["bearer": []]]
                operation["x-roles"] = .array(roles.map(\.rawValue).sorted().map(JSONValue.string))
            } else {
                operation["security"] = []
            }
            operation["responses"] = .object(responses)
            paths[spec.path, default: [:]][spec.method.rawValue.lowercased()] = .object(operation)
        }
        let document: JSONValue = [
            "openapi": "3.1.0",
            "info": [
                "title": "CLVKit API", "version": "1.0.0",
                "description": "Customer lifetime value: scores, segments, audiences, events, privacy, local language models.",
            ],
            "paths": .object(paths.mapValues(JSONValue.object)),
            "components": ["securitySchemes": ["bearer": ["type": "http", "scheme": "bearer"]], "schemas": schemas],
            "security": [["bearer": []]],
        ]
        return try JSON.text(document)
    }

    /// What any operation of its shape can answer besides what it declares: 400 for a malformed parameter or body,
    /// 413 and 422 for bodies too large or of the wrong shape, 503 while the store or a model cannot be reached.
    static func commonResponses(_ spec: RouteSpec) -> [Int: String] {
        var responses: [Int: String] = [:]
        if !pathParameters(spec.path).isEmpty || !spec.query.isEmpty || spec.requestBody != nil {
            responses[400] = "A parameter or the body is malformed"
        }
        if spec.requestBody != nil {
            responses[413] = "The body is too large"
            responses[422] = "The body is JSON of the wrong shape, or asks for what this data cannot give"
        }
        if spec.roles != nil { responses[503] = "The store or a model is not available yet" }
        return responses
    }

    static func pathParameters(_ path: String) -> [String] {
        path.split(separator: "/").compactMap { part in
            part.hasPrefix("{") && part.hasSuffix("}") ? String(part.dropFirst().dropLast()) : nil
        }
    }

    static var schemas: JSONValue {
        .object(Dictionary(uniqueKeysWithValues: Schemas.all.map { ($0.schemaName, $0.schema) }))
    }
}
