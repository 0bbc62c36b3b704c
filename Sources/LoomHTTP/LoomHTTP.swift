// LoomHTTP holds the REST API, the WebSocket job stream, the admin API and the dashboard's assets.
//
// Its code arrives with the issue that builds it; the module exists now so that the
// dependency graph of DESIGN.md is fixed from the start and enforced by the compiler.
