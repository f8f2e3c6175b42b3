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
                "operationId": .string(spec.method.rawValue.lowercased() + spec.path.split(separator: "/").map { $0.replacingOccurrences(of: "{", with: "by_").replacingOccurrences(of: "}", with: "").replacingOccurrences(of: "-", with: "_").replacingOccurrences(of: ".", with: "_") }.joined(separator: "_")),
            ]
            var parameters: [JSONValue] = []
            for name in pathParameters(spec.path) {
                parameters.append(["name": .string(name), "in": "path", "required": true, "schema": ["type": "string", "maxLength": 256]])
            }
            for q in spec.query {
                parameters.append(["name": .string(q.name), "in": "query", "required": false, "description": .string(q.description), "schema": ["type": .string(q.type)]])
            }
            if !parameters.isEmpty { operation["parameters"] = .array(parameters) }
            if let body = spec.requestBody {
                operation["requestBody"] = ["required": true, "content": ["application/json": ["schema": ["$ref": .string("#/components/schemas/\(body)")]]]]
            }
            var responses: [String: JSONValue] = [:]
            for (status, description) in spec.responses {
                responses[String(status)] = ["description": .string(description), "content": [.init(stringLiteral: spec.produces.components(separatedBy: ", ").first ?? "application/json"): ["schema": [:]]]]
            }
            let error: JSONValue = ["schema": ["$ref": "#/components/schemas/Error"]]
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
            "info": ["title": "CLVKit API", "version": "1.0.0", "description": "Customer lifetime value: scores, segments, audiences, events, privacy, local language models."],
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

    static var schemas: JSONValue { [
        "Error": [
            "type": "object", "required": ["error"],
            "properties": ["error": ["type": "object", "required": ["status", "message"], "properties": ["status": ["type": "integer"], "message": ["type": "string"]]]],
        ],
        "Consent": [
            "type": "object", "required": ["marketing", "profiling"],
            "properties": ["marketing": ["type": "boolean"], "profiling": ["type": "boolean"]],
        ],
        "OrderEvent": [
            "type": "object", "required": ["order_id", "customer_id", "timestamp"],
            "properties": [
                "type": ["type": "string", "enum": ["order"]],
                "order_id": ["type": "string", "maxLength": 256], "customer_id": ["type": "string", "maxLength": 256],
                "timestamp": ["type": "string", "description": "ISO 8601 date or date-time"],
                "amount": ["type": "number", "description": "Order total when no lines are given; negative for a return"],
                "country": ["type": "string"],
                "lines": [
                    "type": "array", "maxItems": 1000,
                    "items": [
                        "type": "object", "required": ["quantity", "unit_price"],
                        "properties": ["product_id": ["type": "string"], "title": ["type": "string"], "quantity": ["type": "number"], "unit_price": ["type": "number", "minimum": 0]],
                    ],
                ],
            ],
        ],
        "FitRequest": [
            "type": "object", "required": ["model"],
            "properties": [
                "model": ["type": "string", "enum": ["bgnbd", "pnbd", "mbgnbd", "bgbb", "gg"]], "end": ["type": "string", "format": "date"],
                "unit": ["type": "string", "enum": ["day", "week", "month"]], "penalizer": ["type": "number", "minimum": 0],
            ],
        ],
        "EmbeddingRequest": [
            "type": "object", "required": ["input"],
            "properties": [
                "input": ["oneOf": [["type": "string"], ["type": "array", "items": ["type": "string"], "maxItems": 256]]],
                "model": ["type": "string"],
            ],
        ],
        "ChatCompletionRequest": [
            "type": "object", "required": ["messages"],
            "properties": [
                "model": ["type": "string"],
                "messages": ["type": "array", "items": ["type": "object", "required": ["role", "content"], "properties": ["role": ["type": "string", "enum": ["system", "user", "assistant"]], "content": ["type": "string"]]]],
                "max_tokens": ["type": "integer", "minimum": 1], "temperature": ["type": "number", "minimum": 0], "top_p": ["type": "number"],
                "seed": ["type": "integer"], "stream": ["type": "boolean"],
            ],
        ],
    ] }
}
