// LoomCoordinator holds the cluster core without HTTP: the worker server, the dispatcher that pushes leases, the reaper of orphaned jobs, and the event hub.
//
// Its code arrives with the issue that builds it; the module exists now so that the
// dependency graph of DESIGN.md is fixed from the start and enforced by the compiler.
