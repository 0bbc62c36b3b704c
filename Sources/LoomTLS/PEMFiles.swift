import NIOSSL

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A certificate or key file that cannot be used, said in words an operator can act on.
public struct TLSFileError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var problem: String

    public var description: String { "\(path): \(problem)" }
}

/// Reads the PEM files an operator names. Every failure names the file and what is wrong
/// with it, because BoringSSL's own errors ("failedToLoadCertificate") do not.
enum PEMFiles {
    /// The certificates of a PEM file, in file order (a leaf first, then its chain).
    static func certificates(_ path: String, what: String) throws -> [NIOSSLCertificate] {
        try requireReadable(path, what: what)
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMFile(path)
        } catch {
            throw TLSFileError(path: path, problem: "\(what) is not a PEM certificate file (\(error))")
        }
        guard !certificates.isEmpty else { throw TLSFileError(path: path, problem: "\(what) holds no PEM certificate") }
        return certificates
    }

    static func privateKey(_ path: String, what: String) throws -> NIOSSLPrivateKey {
        try requireReadable(path, what: what)
        do {
            return try NIOSSLPrivateKey(file: path, format: .pem)
        } catch {
            throw TLSFileError(path: path, problem: "\(what) is not an unencrypted PEM private key (\(error))")
        }
    }

    private static func requireReadable(_ path: String, what: String) throws {
        guard access(path, R_OK) == 0 else {
            throw TLSFileError(path: path, problem: "\(what) cannot be read (\(String(cString: strerror(errno))))")
        }
    }
}
