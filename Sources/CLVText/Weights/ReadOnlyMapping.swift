#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A whole model file mapped read-only (`PROT_READ`, private): the storage of ``GGUFFile`` and ``E5File``,
/// whose tensors are read in place. The owner calls ``unmap()`` in its `deinit`.
struct ReadOnlyMapping {
    /// Why a file could not be mapped.
    enum Failure: Error {
        /// `open`, `fstat` or `mmap` failed.
        case system(errno: Int32)
        /// The file is shorter than the caller's minimum (it is not mapped).
        case tooSmall(size: Int)
    }

    let base: UnsafeRawPointer
    let size: Int

    /// Maps the file at `path` and parses its header; the mapping is released again if parsing fails.
    /// - Parameters:
    ///   - minimumSize: shorter files are reported as ``Failure/tooSmall(size:)`` without being mapped.
    ///   - failure: the caller's error for a mapping failure.
    ///   - parse: reads the header from the mapped bytes.
    static func map<Header, E: Error>(
        _ path: String, minimumSize: Int, failure: (Failure) -> E, parse: (UnsafeRawBufferPointer) throws(E) -> Header
    ) throws(E) -> (mapping: ReadOnlyMapping, header: Header) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw failure(.system(errno: errno)) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw failure(.system(errno: errno)) }
        let size = Int(info.st_size)
        guard size >= max(minimumSize, 1) else { throw failure(.tooSmall(size: size)) }
        guard let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), mapped != MAP_FAILED else {
            throw failure(.system(errno: errno))
        }
        let mapping = ReadOnlyMapping(base: UnsafeRawPointer(mapped), size: size)
        do {
            return (mapping, try parse(UnsafeRawBufferPointer(start: mapping.base, count: size)))
        } catch {
            mapping.unmap()
            throw error
        }
    }

    func unmap() {
        munmap(UnsafeMutableRawPointer(mutating: base), size)
    }
}
