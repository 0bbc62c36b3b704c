// LoomWire holds the Loom wire protocol: frame codec, message types, the handshake state machine and protocol errors (proto/PROTOCOL.md). Pure: no sockets here.
//
// Its code arrives with the issue that builds it; the module exists now so that the
// dependency graph of DESIGN.md is fixed from the start and enforced by the compiler.
