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
                "operationId": .string(
                    spec.method.rawValue.lowercased()
                        + spec.path.split(separator: "/").map {
                            $0.replacingOccurrences(of: "{", with: "by_").replacingOccurrences(of: "}", with: "").replacingOccurrences(of: "-", with: "_")
                                .replacingOccurrences(of: ".", with: "_")
                        }.joined(separator: "_")),
            ]
            var parameters: [JSONValue] = []
            for name in pathParameters(spec.path) {
                parameters.append(["name": .string(name), "in": "path", "required": true, "schema": ["type": "string", "maxLength": 256]])
            }
            for q in spec.query {
                parameters.append([
                    "name": .string(q.name), "in": "query", "required": false, "description": .string(q.description), "schema": ["type": .string(q.type)],
                ])
            }
            if !parameters.isEmpty { operation["parameters"] = .array(parameters) }
            if let body = spec.requestBody {
                operation["requestBody"] = ["required": true, "content": ["application/json": ["schema": body.reference]]]
            }
            var responses: [String: JSONValue] = [:]
            let error: JSONValue = ["schema": ErrorBody.reference]
            for (status, description) in spec.responses {
                let content: JSONValue =
                    if status >= 400 {
                        ["application/json": error]
                    } else if let response = spec.response {
                        ["application/json": ["schema": response.reference]]
                    } else {
                        [.init(stringLiteral: spec.produces.components(separatedBy: ", ").first ?? "application/json"): ["schema": [:]]]
                    }
                responses[String(status)] = ["description": .string(description), "content": content]
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

    static func pathParameters(_ path: String) -> [String] {
        path.split(separator: "/").compactMap { part in
            part.hasPrefix("{") && part.hasSuffix("}") ? String(part.dropFirst().dropLast()) : nil
        }
    }

    static var schemas: JSONValue {
        .object(Dictionary(uniqueKeysWithValues: Schemas.all.map { ($0.schemaName, $0.schema) }))
    }
}
