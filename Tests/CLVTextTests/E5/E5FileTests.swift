import CLVTestSupport
import Foundation
import Testing

@testable import CLVText

/// The E5S1 reader on tiny files the tests write (``E5TestWriter``): contents, and typed errors for truncated,
/// foreign and inconsistent files.
@Suite struct E5FileTests {
    @Test func readsHeaderVocabularyNormalisationAndTensors() throws {
        let directory = try TemporaryDirectory("e5file")
        let writer = E5TestWriter()
        let file = try E5File(contentsOf: writer.write(directory.url))
        #expect(file.version == 1)
        #expect(
            file.hyperparameters
                == .init(
                    hiddenSize: 32, layerCount: 1, headCount: 2, intermediateSize: 64,
                    vocabularySize: writer.pieces.count, maximumPositions: 8, tokenTypeCount: 2,
                    layerNormEpsilon: 1e-12))
        #expect(file.vocabulary.count == writer.pieces.count)
        #expect(file.vocabulary.scores == writer.pieces.map(\.1))
        let specials: [Int] = [file.vocabulary.bos, file.vocabulary.eos, file.vocabulary.pad, file.vocabulary.unk]
        #expect(specials == [0, 2, 1, 3])
        let third = Int(file.vocabulary.offsets[5])..<Int(file.vocabulary.offsets[6])
        #expect(String(decoding: file.vocabulary.bytes[third], as: UTF8.self) == "▁a")
        #expect(file.normalization == [0x200B: [], 0x3000: [0x20], 0xFF41: [0x61]])
        #expect(file.tensorInfos.map(\.name) == writer.tensors.map(\.name))

        // Q4_0 weights come back exactly; F32 tensors bit for bit.
        let query = try file.matrix("l0.q.w", rows: 32, columns: 32)
        #expect(query.type == .q4_0 && query.rows == 32 && query.columns == 32)
        #expect(query.dequantized() == writer.values("l0.q.w"))
        var row = [Float](repeating: .nan, count: 32)
        try file.matrix("emb.word", rows: writer.pieces.count, columns: 32).dequantizedRow(5, into: &row)
        #expect(row == Array(writer.values("emb.word")[(5 * 32)..<(6 * 32)]))
        #expect(try file.floats("emb.pos", count: 8 * 32) == writer.values("emb.pos"))
    }

    @Test func namesTheTensorThatIsMissingOrMisSized() throws {
        let directory = try TemporaryDirectory("e5file")
        let file = try E5File(contentsOf: E5TestWriter().write(directory.url))
        #expect(throws: E5FileError.tensorMissing(name: "l1.q.w")) { try file.matrix("l1.q.w", rows: 32, columns: 32) }
        #expect(throws: E5FileError.tensorMismatch(name: "l0.q.w", expected: "q4_0, 2048 values", found: "q4_0, 1024 values")) {
            try file.matrix("l0.q.w", rows: 64, columns: 32)
        }
        #expect(throws: E5FileError.tensorMismatch(name: "l0.q.w", expected: "f32, 1024 values", found: "q4_0, 1024 values")) {
            try file.floats("l0.q.w", count: 1024)
        }

        var writer = E5TestWriter()
        writer.tensors.removeAll { $0.name == "l0.fo.b" }
        let incomplete = try E5File(contentsOf: writer.write(directory.url, named: "incomplete.bin"))
        #expect(throws: EncoderError.modelFile(.tensorMissing(name: "l0.fo.b"))) { try E5SentenceEncoder(file: incomplete) }
    }

    /// Every cut of a valid file (within the header, vocabulary, table, directory or tensor data) is reported as
    /// truncated, never read past its end.
    @Test(arguments: [0, 3, 7, 8, 30, 50, 70, 100, 200, 300, 400, 1000, 3000, -1])
    func aTruncatedFileIsReported(length: Int) throws {
        let directory = try TemporaryDirectory("e5file")
        let bytes = E5TestWriter().bytes()
        let cut = length < 0 ? bytes.count - 1 : length
        let url = directory.url.appendingPathComponent("cut.bin")
        try Data(bytes.prefix(cut)).write(to: url)
        #expect {
            try E5File(contentsOf: url)
        } throws: { error in
            guard case let .truncated(path, needed, size)? = error as? E5FileError else { return false }
            return path == url.path && size == cut && needed > size
        }
    }

    @Test func aForeignFileOrAnotherVersionIsReported() throws {
        let directory = try TemporaryDirectory("e5file")
        let gguf = try directory.write("model.gguf", bytes: Array("GGUF".utf8) + [3, 0, 0, 0] + [UInt8](repeating: 0, count: 64))
        #expect(throws: E5FileError.notE5(path: gguf.path)) { try E5File(contentsOf: gguf) }
        var writer = E5TestWriter()
        writer.version = 2
        let future = try writer.write(directory.url, named: "v2.bin")
        #expect(throws: E5FileError.unsupportedVersion(path: future.path, version: 2)) { try E5File(contentsOf: future) }
        let absent = directory.url.appendingPathComponent("absent.bin")
        #expect(throws: E5FileError.cannotOpen(path: absent.path, errno: ENOENT)) { try E5File(contentsOf: absent) }
        #expect(E5FileError.notE5(path: "x.bin").description.contains("make setup"))
    }

    @Test func impossibleSizesAreMalformed() throws {
        let directory = try TemporaryDirectory("e5file")
        var writer = E5TestWriter()
        writer.heads = 3  // 32 is not a multiple of 3
        let url = try writer.write(directory.url)
        #expect {
            try E5File(contentsOf: url)
        } throws: { error in
            guard case .malformed(path: url.path, reason: _)? = error as? E5FileError else { return false }
            return true
        }
    }
}
