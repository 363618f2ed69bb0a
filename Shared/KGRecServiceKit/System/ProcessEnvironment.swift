import Foundation

/// The process environment as a dictionary (read once at start-up; Foundation is fine here).
public enum ProcessEnvironment {
    public static var current: [String: String] { ProcessInfo.processInfo.environment }
}
