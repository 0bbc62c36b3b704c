// LoomWorker holds a worker's connection to a coordinator, its job runner, heartbeats and chunk cache. A worker never touches PostgreSQL.
//
// Its code arrives with the issue that builds it; the module exists now so that the
// dependency graph of DESIGN.md is fixed from the start and enforced by the compiler.
