import Foundation
import Testing
@testable import KGRecModel

@Suite struct ModelConfigTests {
    @Test func configRoundTripsThroughJSON() throws {
        var config = ModelConfig()
        config.learningRate = 0.004
        config.weightDecay = 0.02
        config.modalities = .textOnly
        let back = try JSONDecoder().decode(ModelConfig.self, from: JSONEncoder().encode(config))
        #expect(back == config)
    }

    @Test func configStoredBeforeASettingExistedDecodesWithThatSettingsDefault() throws {
        var config = ModelConfig()
        config.learningRate = 0.004
        config.weightDecay = 0.02
        var object = try #require(JSONSerialization.jsonObject(with: JSONEncoder().encode(config)) as? [String: Any])
        object.removeValue(forKey: "weightDecay")  // as in a checkpoint written before weight decay existed
        let back = try JSONDecoder().decode(ModelConfig.self, from: JSONSerialization.data(withJSONObject: object))
        #expect(back.weightDecay == ModelConfig().weightDecay)
        #expect(back.learningRate == 0.004)
    }

    @Test func wrongTypeIsStillAnError() throws {
        let json = Data(#"{"learningRate": "fast"}"#.utf8)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(ModelConfig.self, from: json) }
    }
}
