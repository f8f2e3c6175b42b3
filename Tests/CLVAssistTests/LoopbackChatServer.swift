import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A one-thread OpenAI-compatible chat endpoint on 127.0.0.1 for tests: it answers every POST with a fixed reply
/// and keeps each request body, so a test can see exactly what left the process.
final class LoopbackChatServer: @unchecked Sendable {
    // `bodies` is guarded by `lock`; the socket is only touched by the accept thread after start.
    private let lock = NSLock()
    private var received: [String] = []
    private let socketFD: Int32
    let port: UInt16
    let reply: String

    init(reply: String) throws {
        self.reply = reply
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 8) == 0 else {
            close(fd)
            throw POSIXError(.EADDRINUSE)
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        socketFD = fd
        port = UInt16(bigEndian: actual.sin_port)
        let thread = Thread { [self] in serve() }
        thread.start()
    }

    deinit { close(socketFD) }

    var url: URL { URL(string: "http://127.0.0.1:\(port)/v1")! }

    /// Every request body received so far.
    var bodies: [String] { lock.withLock { received } }

    private func serve() {
        while true {
            let client = accept(socketFD, nil, nil)
            guard client >= 0 else { return }
            var data = Data()
            var buffer = [UInt8](repeating: 0, count: 65_536)
            // Read the head, then as many body bytes as Content-Length says.
            while true {
                let n = recv(client, &buffer, buffer.count, 0)
                if n <= 0 { break }
                data.append(contentsOf: buffer[0..<n])
                if let head = data.range(of: Data("\r\n\r\n".utf8)) {
                    let header = String(decoding: data[..<head.lowerBound], as: UTF8.self).lowercased()
                    let length =
                        header.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                        .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
                    if data.count - head.upperBound >= length {
                        lock.withLock { received.append(String(decoding: data[head.upperBound...], as: UTF8.self)) }
                        break
                    }
                }
            }
            let content = try! JSONSerialization.data(withJSONObject: ["choices": [["message": ["role": "assistant", "content": reply]]]])
            let response = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(content.count)\r\nConnection: close\r\n\r\n"
            var bytes = Array(response.utf8) + Array(content)
            _ = bytes.withUnsafeMutableBytes { send(client, $0.baseAddress, $0.count, 0) }
            close(client)
        }
    }
}
