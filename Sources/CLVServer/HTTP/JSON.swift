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
    static func decode<T: Decodable>(_ type: T.Type, from request: Request, context: APIRequestContext) async throws -> T {
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
            return try JSONDecoder().decode(T.self, from: data)
        } catch let DecodingError.dataCorrupted(context) where context.codingPath.isEmpty {
            throw APIError.badRequest("The body is not valid JSON (UTF-8): check quoting and commas.")
        } catch let error as DecodingError {
            throw APIError.unprocessable(describe(error))
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
