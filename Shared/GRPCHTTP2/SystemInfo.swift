internal import CNGHTTP2

/// Facts about the machine.
enum SystemInfo {
    static var onlineCPUs: Int { Int(kg_online_cpus()) }
}
