import CLVCore
import CLVData
import CLVModels
import CLVPipeline
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Turns every error into a JSON body `{"error": {"status": N, "message": "..."}}` whose message says what is wrong
/// and what to do; unexpected errors become a 500 that reveals nothing internal (the log has the details).
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError {
            return Self.response(error.status, error.body ?? error.status.reasonPhrase, headers: error.headers)
        } catch let error where APIError.domain(error) != nil {
            let mapped = APIError.domain(error)!
            return Self.response(mapped.status, mapped.body ?? mapped.status.reasonPhrase)
        } catch let error as any HTTPResponseError {
            return Self.response(error.status, Self.message(for: error.status))
        } catch {
            context.logger.error("request failed", metadata: ["path": .string(request.uri.path), "error": .string("\(error)")])
            return Self.response(
                .internalServerError, "The server failed to handle this request; the error is logged. Retry, or report it with the time of the request.")
        }
    }

    static func message(for status: HTTPResponse.Status) -> String {
        switch status {
        case .contentTooLarge: "The request body is too large; send a smaller body."
        case .notFound: "No such route; see /openapi.json for the API."
        case .methodNotAllowed: "This route does not take that method; see /openapi.json."
        default: status.reasonPhrase
        }
    }

    static func response(_ status: HTTPResponse.Status, _ message: String, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        let body = (try? JSON.text(ErrorBody(error: .init(status: status, message: message)))) ?? #"{"error":{"message":"error"}}"#
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}

/// The body of every error response, in OpenAI's shape (`message`, `type`, `code`, `param`) so that its clients
/// raise their usual exceptions, plus the HTTP `status`.
struct ErrorBody: Encodable, Sendable {
    struct Detail: Encodable, Sendable {
        var status: Int
        var message: String
        var type: String
        var code: String?
        var param: String?

        init(status: HTTPResponse.Status, message: String) {
            self.status = status.code
            self.message = message
            type =
                switch status.code {
                case 401: "authentication_error"
                case 403: "permission_error"
                case 404: "not_found_error"
                case 429: "rate_limit_error"
                case 500...: "server_error"
                default: "invalid_request_error"
                }
            code = status.code == 429 ? "rate_limit_exceeded" : nil
        }

        private enum CodingKeys: String, CodingKey { case status, message, type, code, param }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(status, forKey: .status)
            try c.encode(message, forKey: .message)
            try c.encode(type, forKey: .type)
            try c.encode(code, forKey: .code)
            try c.encode(param, forKey: .param)
        }
    }

    var error: Detail
}

/// Errors handlers throw: each becomes its status with the message.
enum APIError {
    static func badRequest(_ message: String) -> HTTPError { HTTPError(.badRequest, message: message) }
    static func unprocessable(_ message: String) -> HTTPError { HTTPError(.unprocessableContent, message: message) }
    static func notFound(_ message: String) -> HTTPError { HTTPError(.notFound, message: message) }
    static func unauthorized(_ message: String) -> HTTPError {
        HTTPError(.unauthorized, headers: [.wwwAuthenticate: "Bearer"], message: message)
    }
    static func forbidden(_ message: String) -> HTTPError { HTTPError(.forbidden, message: message) }
    static func conflict(_ message: String) -> HTTPError { HTTPError(.conflict, message: message) }
    static func unavailable(_ message: String) -> HTTPError { HTTPError(.serviceUnavailable, message: message) }

    /// The one mapping of the lower modules' errors to HTTP: what the request asked for cannot be done with this
    /// data (422), the store cannot be reached (503), or stored data cannot be read (500, with the message, which
    /// names no customer). Nil for errors that are not CLVKit's own.
    static func domain(_ error: any Error) -> HTTPError? {
        switch error {
        case let error as FitError: unprocessable(error.description)
        case let error as SummaryError: unprocessable(error.description)
        case let error as WorkflowError:
            if case .unreadableModelRun = error { HTTPError(.internalServerError, message: error.description) } else { unprocessable(error.description) }
        case let error as StoreError:
            if case .cannotOpen = error { unavailable(error.description) } else { HTTPError(.internalServerError, message: error.description) }
        default: nil
        }
    }
}
