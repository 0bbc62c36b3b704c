import Foundation
import NIOCore
import NIOSSL

/// Who a certificate names, as logged and shown in the admin API: its subject's common
/// name and its subject alternative names, e.g. `CN=worker-1 SAN=worker-1,10.0.0.7`.
public enum CertificateIdentity {
    public static func describe(_ certificate: NIOSSLCertificate) -> String {
        let subject = certificate.subjectName.filter { $0.type == .commonName }.map { "CN=\($0.value)" }
        let alternatives = certificate._subjectAlternativeNames().compactMap { name -> String? in
            switch name.nameType {
            case .dnsName: String(decoding: name.contents, as: UTF8.self)
            case .ipAddress: (try? SocketAddress(packedIPAddress: ByteBuffer(bytes: Array(name.contents)), port: 0))?.ipAddress
            default: nil
            }
        }
        let parts = subject + (alternatives.isEmpty ? [] : ["SAN=" + alternatives.joined(separator: ",")])
        return parts.isEmpty ? "(no subject name)" : parts.joined(separator: " ")
    }

    /// The identity of the certificate the peer of `channel` presented and BoringSSL
    /// verified; nil on a plain connection or when the peer presented none.
    public static func peer(of channel: any Channel) async -> String? {
        guard let certificate = try? await channel.nioSSL_peerCertificate().get() else { return nil }
        return describe(certificate)
    }

    /// Why `certificate` is not valid at `now` (expired, not yet valid), or nil when it is.
    static func validityProblem(_ certificate: NIOSSLCertificate, now: Date = Date()) -> String? {
        let notBefore = Date(timeIntervalSince1970: TimeInterval(certificate.notValidBefore))
        let notAfter = Date(timeIntervalSince1970: TimeInterval(certificate.notValidAfter))
        let format = ISO8601DateFormatter()
        if now > notAfter { return "expired on \(format.string(from: notAfter))" }
        if now < notBefore { return "is not valid before \(format.string(from: notBefore))" }
        return nil
    }
}
