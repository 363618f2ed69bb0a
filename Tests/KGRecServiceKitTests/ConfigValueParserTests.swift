import Testing
@testable import KGRecServiceKit

@Suite struct ConfigValueParserTests {
    @Test func durationsAcceptEveryUnitAndFractions() throws {
        #expect(try ConfigValueParser.duration("30s") == .seconds(30))
        #expect(try ConfigValueParser.duration("500ms") == .milliseconds(500))
        #expect(try ConfigValueParser.duration("2m") == .seconds(120))
        #expect(try ConfigValueParser.duration("1h") == .seconds(3600))
        #expect(try ConfigValueParser.duration("250us") == .microseconds(250))
        #expect(try ConfigValueParser.duration("1.5s") == .milliseconds(1500))
        #expect(try ConfigValueParser.duration("0") == .zero)
    }

    @Test(arguments: ["30", "s", "-1s", "1x", "", "1.2.3s", "ms500", "nan s", "infs"])
    func durationsRejectMalformedText(_ text: String) {
        #expect(throws: ConfigValueParseFailure.self) { try ConfigValueParser.duration(text) }
    }

    @Test func sizesUseBinaryAndDecimalUnits() throws {
        #expect(try ConfigValueParser.size("256MiB") == 256 << 20)
        #expect(try ConfigValueParser.size("1GiB") == 1 << 30)
        #expect(try ConfigValueParser.size("64KiB") == 65536)
        #expect(try ConfigValueParser.size("10MB") == 10_000_000)
        #expect(try ConfigValueParser.size("512B") == 512)
        #expect(try ConfigValueParser.size("4096") == 4096)
        #expect(try ConfigValueParser.size("1.5KiB") == 1536)
    }

    @Test(arguments: ["-1MiB", "MiB", "1.3B", "12XB", "1e30GiB", "lots"])
    func sizesRejectMalformedText(_ text: String) {
        #expect(throws: ConfigValueParseFailure.self) { try ConfigValueParser.size(text) }
    }

    @Test func formattedValuesParseBackToTheSameValue() throws {
        for d: Duration in [.zero, .seconds(30), .milliseconds(1500), .seconds(7200), .microseconds(3), .nanoseconds(7)] {
            #expect(try ConfigValueParser.duration(ConfigValueParser.format(duration: d)) == d)
        }
        for b in [0, 1, 1000, 1024, 256 << 20, 3 << 30, 12345] {
            #expect(try ConfigValueParser.size(ConfigValueParser.format(size: b)) == b)
        }
        #expect(ConfigValueParser.format(size: 256 << 20) == "256MiB")
        #expect(ConfigValueParser.format(duration: .milliseconds(1500)) == "1500ms")
    }

    @Test func boolsAcceptTheUsualSpellings() throws {
        for t in ["1", "true", "TRUE", "yes", "on"] { #expect(try ConfigValueParser.parse(t, as: .bool) == .bool(true)) }
        for f in ["0", "false", "No", "off"] { #expect(try ConfigValueParser.parse(f, as: .bool) == .bool(false)) }
        #expect(throws: ConfigValueParseFailure.self) { try ConfigValueParser.parse("maybe", as: .bool) }
    }

    @Test func listsFromTextSplitOnCommasAndDropBlanks() throws {
        #expect(try ConfigValueParser.parse("a:1, b:2,,c:3 ", as: .stringList) == .stringList(["a:1", "b:2", "c:3"]))
    }

    @Test func numbersRejectJunkAndNonFiniteValues() {
        #expect(throws: ConfigValueParseFailure.self) { try ConfigValueParser.parse("12a", as: .int) }
        #expect(throws: ConfigValueParseFailure.self) { try ConfigValueParser.parse("inf", as: .double) }
        #expect(throws: ConfigValueParseFailure.self) { try ConfigValueParser.parse("99999999999999999999", as: .int) }
    }
}
