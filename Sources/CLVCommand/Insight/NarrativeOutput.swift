import CLVPipeline
import Foundation

// `clv profile --narrative` and `clv segments --method kmeans --personas`: text by the local SmolLM2, from facts only.

extension ProfileBuilder {
    /// The profile's narrative as shown (with the template note when the model's text was not used); nil
    /// without profiling consent.
    static func narrative(of profile: CustomerProfile) throws -> String? {
        guard profile.profilingConsent else { return nil }
        FileHandle.standardError.write(Data("clv: writing the narrative with SmolLM2-135M-Instruct\n".utf8))
        return try Narrator.local().narrative(for: profile)?.display
    }
}

/// A k-means segment with its persona, as JSON.
struct SegmentPersonaView: Encodable {
    var segment: BehaviourSegments.Segment
    var personaName: String
    var persona: String
    var personaSource: String

    init(_ segment: BehaviourSegments.Segment, _ persona: Narrator.Persona) {
        self.segment = segment
        personaName = persona.name
        self.persona = persona.persona.display
        personaSource = persona.persona.source.rawValue
    }

    private enum CodingKeys: String, CodingKey { case persona_name, persona, persona_source }

    func encode(to encoder: any Encoder) throws {
        try segment.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(personaName, forKey: .persona_name)
        try container.encode(persona, forKey: .persona)
        try container.encode(personaSource, forKey: .persona_source)
    }
}

extension BehaviourSegments {
    /// Each segment's persona from the local SmolLM2, with progress on stderr.
    func personas() throws -> [Narrator.Persona] {
        let narrator = try Narrator.local()
        return try segments.map { segment in
            FileHandle.standardError.write(Data("clv: writing the persona of \(segment.name)\n".utf8))
            return try narrator.persona(for: segment)
        }
    }

    /// The personas as table lines.
    static func personaLines(_ personas: [Narrator.Persona], segments: [Segment]) -> [String] {
        ["personas (SmolLM2-135M-Instruct from each segment's numbers; numbers checked against them):"]
            + zip(segments, personas).map { segment, persona in "  k\(segment.id) \"\(persona.name)\": \(persona.persona.display)" }
    }
}
