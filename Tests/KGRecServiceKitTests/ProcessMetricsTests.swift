#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import KGRecServiceKit

@Suite struct ProcessMetricsTests {
    @Test func residentMemoryIsPositiveAndPageAligned() throws {
        let rss = try #require(ProcessMetrics.residentBytes())
        #expect(rss > 1 << 20)
        #expect(rss % Int(sysconf(Int32(_SC_PAGESIZE))) == 0)
    }

    @Test func openFileDescriptorsCountNewDescriptors() throws {
        let before = try #require(ProcessMetrics.openFileDescriptors())
        let fds = (0..<200).map { _ in open("/dev/null", O_RDONLY) }
        defer { for fd in fds { close(fd) } }
        let after = try #require(ProcessMetrics.openFileDescriptors())
        // Other tests open and close descriptors concurrently, hence the margin.
        #expect(after >= before + 100)
    }
}
