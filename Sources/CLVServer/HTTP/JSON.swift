import Foundation
import HTTPTypes
import Hummingbird

/// JSON in and out of handlers.
enum JSON {
    /// Keys sorted, so responses are stable; non-finite numbers as strings rather than a failed response.
    private static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return encoder
    }

    /// The JSON text of a value (one line).
    static func text(_ value: some Encodable) throws -> String {
        String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// A 200 (or other) JSON response from an Encodable value.
    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try encoder.encode(value)
        return Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: data))
        )
    }

    /// Decodes the request body, mapping every failure to a status and a message that says what to fix:
    /// 413 when too large, 400 when not JSON, 422 when JSON of the wrong shape.
    /// Fields the type's schema does not name are refused (422), so that a misspelt option is never silently
    /// ignored; a schema that allows other fields (the OpenAI-compatible bodies) lets them through.
    static func decode<T: Decodable & APISchema>(_ type: T.Type, from request: Request, context: APIRequestContext) async throws -> T {
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: context.maxUploadSize)
        } catch {
            throw HTTPError(.contentTooLarge, message: "The request body is larger than \(context.maxUploadSize) bytes; send a smaller body.")
        }
        let data = Data(buffer.readableBytesView)
        guard !data.isEmpty else { throw APIError.badRequest("The request needs a JSON body.") }
        do {
            let value = try JSONDecoder().decode(T.self, from: data)
            if let unknown = Self.undeclaredField(in: try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]), schema: T.schema) {
                throw APIError.unprocessable("Unknown field \(unknown): the body of this route takes only the fields /openapi.json lists.")
            }
            return value
        } catch let DecodingError.dataCorrupted(context) where context.codingPath.isEmpty {
            throw APIError.badRequest("The body is not valid JSON (UTF-8): check quoting and commas.")
        } catch let error as DecodingError {
            throw APIError.unprocessable(describe(error))
        }
    }

    /// The path of the first field that `schema` does not declare where it allows no others, or nil. Objects are
    /// checked against `properties` when `additionalProperties` is false, arrays item by item, and a value under
    /// `anyOf`/`oneOf` against the branch of its own JSON type.
    static func undeclaredField(in value: Any, schema: JSONValue, path: String = "") -> String? {
        if case let .string(reference)? = schema["$ref"] {
            let name = reference.split(separator: "/").last.map(String.init)
            guard let target = Schemas.all.first(where: { $0.schemaName == name }) else { return nil }
            return undeclaredField(in: value, schema: target.schema, path: path)
        }
        if schema["properties"] == nil, case let .array(branches)? = schema["anyOf"] ?? schema["oneOf"] {
            for branch in branches where Self.matchesType(value, branch) {
                if let found = undeclaredField(in: value, schema: branch, path: path) { return found }
            }
            return nil
        }
        if let object = value as? [String: Any], case let .object(properties)? = schema["properties"] {
            for key in object.keys.sorted() {
                let field = path.isEmpty ? "'\(key)'" : "'\(path.dropFirst().dropLast()).\(key)'"
                guard let property = properties[key] else {
                    if schema["additionalProperties"] == .bool(false) { return field }
                    continue
                }
                if let found = undeclaredField(in: object[key]!, schema: property, path: field) { return found }
            }
        } else if let array = value as? [Any], let items = schema["items"] {
            for (i, element) in array.enumerated() {
                let base = path.isEmpty ? "'" : String(path.dropLast())
                if let found = undeclaredField(in: element, schema: items, path: "\(base)[\(i)]'") { return found }
            }
        }
        return nil
    }

    private static func matchesType(_ value: Any, _ schema: JSONValue) -> Bool {
        if case let .string(reference)? = schema["$ref"], let name = reference.split(separator: "/").last,
            let target = Schemas.all.first(where: { $0.schemaName == name })
        {
            return matchesType(value, target.schema)
        }
        return switch schema["type"] {
        case .string("object")?: value is [String: Any]
        case .string("array")?: value is [Any]
        case .string("null")?: value is NSNull
        default: !(value is [String: Any]) && !(value is [Any])
        }
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let p = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            return p.isEmpty ? "the body" : "'\(p)'"
        }
        switch error {
        case let .keyNotFound(key, context):
            let parent = path(context)
            return "Missing field '\(key.stringValue)'" + (context.codingPath.isEmpty ? "." : " in \(parent).")
        case let .typeMismatch(type, context): return "Field \(path(context)) must be \(typeName(type)). \(context.debugDescription)"
        case let .valueNotFound(type, context): return "Field \(path(context)) must be \(typeName(type)), not null."
        case let .dataCorrupted(context): return "Field \(path(context)) is invalid: \(context.debugDescription)"
        @unknown default: return "The body does not have the expected shape."
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Double.Type, is Float.Type: "a number"
        case is Int.Type, is Int64.Type: "an integer"
        case is Bool.Type: "true or false"
        default: "\(type)".hasPrefix("Array") ? "an array" : "an object"
        }
    }
}
