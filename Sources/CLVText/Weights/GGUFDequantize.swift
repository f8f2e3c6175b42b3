/// Conversion of GGUF tensor storage (F32, F16 and the block quantizations Q8_0, Q4_0, Q4_1) to `Float`.
///
/// The block layouts are those of ggml's `ggml-common.h` (see ``GGMLType``); the arithmetic is ggml's
/// `dequantize_row_*` reference: scale and minimum are IEEE half floats, widened exactly to `Float`, and each
/// weight is `d·q` (Q8_0), `d·(q − 8)` (Q4_0) or `d·q + m` (Q4_1), one rounding each.
enum GGMLDequantize {
    /// Dequantizes `count` weights (a multiple of the type's block length) from `bytes` into `output`.
    static func dequantize(_ bytes: UnsafeRawBufferPointer, type: GGMLType, count: Int, into output: UnsafeMutablePointer<Float>) {
        precondition(count % type.blockLength == 0, "\(count) weights are not whole \(type) blocks")
        precondition(bytes.count >= count / type.blockLength * type.blockBytes, "too few bytes for \(count) \(type) weights")
        let base = bytes.baseAddress!
        switch type {
        case .f32:
            for i in 0..<count { output[i] = Float(bitPattern: UInt32(littleEndian: base.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))) }
        case .f16:
            for i in 0..<count { output[i] = halfToFloat(base.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) }
        case .q8_0:
            for block in 0..<(count / 32) {
                let b = base + block * 34
                let d = halfToFloat(b.loadUnaligned(as: UInt16.self))
                let out = output + block * 32
                for j in 0..<32 { out[j] = d * Float(b.load(fromByteOffset: 2 + j, as: Int8.self)) }
            }
        case .q4_0:
            for block in 0..<(count / 32) {
                let b = base + block * 18
                let d = halfToFloat(b.loadUnaligned(as: UInt16.self))
                let out = output + block * 32
                for j in 0..<16 {
                    let byte = b.load(fromByteOffset: 2 + j, as: UInt8.self)
                    out[j] = d * Float(Int(byte & 0x0F) - 8)
                    out[j + 16] = d * Float(Int(byte >> 4) - 8)
                }
            }
        case .q4_1:
            for block in 0..<(count / 32) {
                let b = base + block * 20
                let d = halfToFloat(b.loadUnaligned(as: UInt16.self))
                let m = halfToFloat(b.loadUnaligned(fromByteOffset: 2, as: UInt16.self))
                let out = output + block * 32
                for j in 0..<16 {
                    let byte = b.load(fromByteOffset: 4 + j, as: UInt8.self)
                    out[j] = d * Float(byte & 0x0F) + m
                    out[j + 16] = d * Float(byte >> 4) + m
                }
            }
        }
    }

    /// An IEEE 754 binary16 bit pattern (little-endian in the file) widened exactly to `Float`.
    @inline(__always)
    static func halfToFloat(_ bits: UInt16) -> Float {
        halfToFloatFast(UInt16(littleEndian: bits))
    }

    /// binary16 to binary32 with integer and one multiply, exact for every pattern (including subnormals,
    /// infinities and NaNs), and inlined: the `Float16` conversion is a library call on CPUs without F16C.
    ///
    /// The half's exponent and mantissa, shifted into a float's, are the float 2⁻¹¹² times the half's magnitude
    /// (subnormal halves become subnormal floats), so one multiplication by 2¹¹² rescales it exactly.
    @inline(__always)
    static func halfToFloatFast(_ bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) << 16
        let magnitude = UInt32(bits & 0x7FFF)
        if magnitude >= 0x7C00 {  // infinity or NaN: all-ones exponent
            return Float(bitPattern: sign | 0x7F80_0000 | (magnitude & 0x3FF) << 13)
        }
        return Float(bitPattern: (Float(bitPattern: magnitude << 13) * 0x1p112).bitPattern | sign)
    }

    /// binary16 to binary32 for block scales: exact for every finite half (normal or subnormal), without the
    /// infinity/NaN case (a valid model's scales are finite; a corrupt file's infinite or NaN scale becomes a
    /// large finite number instead). Branch-free, for the kernels' inner loops.
    @inline(__always)
    static func finiteHalfToFloat(_ bits: UInt16) -> Float {
        let wide = UInt32(bits)
        return Float(bitPattern: (Float(bitPattern: (wide & 0x7FFF) << 13) * 0x1p112).bitPattern | (wide & 0x8000) << 16)
    }
}
