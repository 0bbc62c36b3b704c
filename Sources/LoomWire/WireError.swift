/// A protocol error: what went wrong (`code`, also sent in an Error frame), in which
/// message and field, and a human-readable detail. Codes are open-ended so that new ones
/// can be added without breaking callers (proto/PROTOCOL.md, "Error codes").
public struct WireError: Error, Hashable, CustomStringConvertible {
    public var code: WireErrorCode
    /// The message type of the frame being decoded or encoded, when there was one.
    public var messageType: UInt8?
    /// The field being read, when the error is about one.
    public var field: String?
    public var detail: String

    public init(_ code: WireErrorCode, messageType: UInt8? = nil, field: String? = nil, _ detail: String) {
        self.code = code
        self.messageType = messageType
        self.field = field
        self.detail = detail
    }

    public var description: String {
        var text = "\(code)"
        if let messageType { text += " in message 0x\(String(messageType, radix: 16))" }
        if let field { text += " field '\(field)'" }
        return text + ": " + detail
    }

    func inMessage(_ type: UInt8) -> WireError {
        var copy = self
        if copy.messageType == nil { copy.messageType = type }
        return copy
    }
}

public struct WireErrorCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// A frame's length exceeds the maximum frame size.
    public static let frameTooLarge = WireErrorCode(rawValue: 1)
    /// A message type the receiver does not know, in a frame not marked ignorable.
    public static let unknownMessageType = WireErrorCode(rawValue: 2)
    /// A payload ended before a field was complete.
    public static let truncated = WireErrorCode(rawValue: 3)
    /// A payload had bytes left after its last field.
    public static let trailingBytes = WireErrorCode(rawValue: 4)
    /// A field held a value outside its domain (enum code, boolean, flags, count).
    public static let invalidValue = WireErrorCode(rawValue: 5)
    /// A string field was not UTF-8.
    public static let invalidUTF8 = WireErrorCode(rawValue: 6)
    /// No protocol version in common.
    public static let unsupportedVersion = WireErrorCode(rawValue: 7)
    /// A message that is not allowed in the connection's current state.
    public static let unexpectedMessage = WireErrorCode(rawValue: 8)
    /// The shared-secret proof did not verify.
    public static let authenticationFailed = WireErrorCode(rawValue: 9)
    /// More chunks in flight than the window allows, or a sequence out of order.
    public static let flowControl = WireErrorCode(rawValue: 10)
    /// A deadline passed (handshake, heartbeat).
    public static let timeout = WireErrorCode(rawValue: 11)
    /// Reserved frame flags were set.
    public static let invalidFlags = WireErrorCode(rawValue: 12)
    /// The sender is shutting down or refusing for a reason given in the message.
    public static let refused = WireErrorCode(rawValue: 13)
    /// Something went wrong inside the sender.
    public static let internalError = WireErrorCode(rawValue: 14)

    public var description: String {
        switch self {
        case .frameTooLarge: "frame too large"
        case .unknownMessageType: "unknown message type"
        case .truncated: "truncated payload"
        case .trailingBytes: "trailing bytes"
        case .invalidValue: "invalid value"
        case .invalidUTF8: "invalid UTF-8"
        case .unsupportedVersion: "unsupported version"
        case .unexpectedMessage: "unexpected message"
        case .authenticationFailed: "authentication failed"
        case .flowControl: "flow control violation"
        case .timeout: "timeout"
        case .invalidFlags: "invalid frame flags"
        case .refused: "refused"
        case .internalError: "internal error"
        default: "error \(rawValue)"
        }
    }
}
