// LoomWorkflow holds the workflow graph, its validation, snapshots, the executor with node events, and the credit estimate.
//
// Its code arrives with the issue that builds it; the module exists now so that the
// dependency graph of DESIGN.md is fixed from the start and enforced by the compiler.
