import Foundation
import HTTPTypes

/// The OpenAPI 3.1 document of the routes, with the request bodies' schemas.
enum OpenAPIDocument {
    static func build(from specs: [RouteSpec]) -> String {
        var paths: [String: [String: Any]] = [:]
        for spec in specs {
            var operation: [String: Any] = [
                "summary": spec.summary, "tags": [spec.tag],
                "operationId": spec.method.rawValue.lowercased() + spec.path.split(separator: "/").map { $0.replacingOccurrences(of: "{", with: "by_").replacingOccurrences(of: "}", with: "").replacingOccurrences(of: "-", with: "_").replacingOccurrences(of: ".", with: "_") }.joined(separator: "_"),
            ]
            var parameters: [[String: Any]] = []
            for name in pathParameters(spec.path) {
                parameters.append(["name": name, "in": "path", "required": true, "schema": ["type": "string", "maxLength": 256]])
            }
            for q in spec.query {
                parameters.append(["name": q.name, "in": "query", "required": false, "description": q.description, "schema": ["type": q.type]])
            }
            if !parameters.isEmpty { operation["parameters"] = parameters }
            if let body = spec.requestBody {
                operation["requestBody"] = ["required": true, "content": ["application/json": ["schema": ["$ref": "#/components/schemas/\(body)"]]]]
            }
            var responses: [String: Any] = [:]
            for (status, description) in spec.responses {
                responses[String(status)] = ["description": description, "content": [spec.produces.components(separatedBy: ", ").first ?? "application/json": ["schema": [:] as [String: Any]]]]
            }
            if spec.roles != nil {
                responses["401"] = ["description": "Missing or unknown API key", "content": ["application/json": ["schema": ["$ref": "#/components/schemas/Error"]]]]
                responses["403"] = ["description": "The key's role may not do this", "content": ["application/json": ["schema": ["$ref": "#/components/schemas/Error"]]]]
                responses["429"] = ["description": "Rate limit exceeded", "content": ["application/json": ["schema": ["$ref": "#/components/schemas/Error"]]]]
                operation["security"] = [["bearer": [] as [String]]]
                operation["x-roles"] = spec.roles!.map(\.rawValue).sorted()
            } else {
                operation["security"] = [] as [Any]
            }
            operation["responses"] = responses
            paths[spec.path, default: [:]][spec.method.rawValue.lowercased()] = operation
        }
        let document: [String: Any] = [
            "openapi": "3.1.0",
            "info": ["title": "CLVKit API", "version": "1.0.0", "description": "Customer lifetime value: scores, segments, audiences, events, privacy, local language models."],
            "paths": paths,
            "components": ["securitySchemes": ["bearer": ["type": "http", "scheme": "bearer"]], "schemas": schemas],
            "security": [["bearer": [] as [String]]],
        ]
        return JSON.encode(document)
    }

    static func pathParameters(_ path: String) -> [String] {
        path.split(separator: "/").compactMap { part in
            part.hasPrefix("{") && part.hasSuffix("}") ? String(part.dropFirst().dropLast()) : nil
        }
    }

    static var schemas: [String: Any] { [
        "Error": [
            "type": "object", "required": ["error"],
            "properties": ["error": ["type": "object", "required": ["message"], "properties": ["status": ["type": "integer"], "message": ["type": "string"]]]],
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
