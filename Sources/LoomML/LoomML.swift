// LoomML holds preprocessing, the train/test split, models, metrics and plots, in pure Swift.
//
// Its code arrives with the issue that builds it; the module exists now so that the
// dependency graph of DESIGN.md is fixed from the start and enforced by the compiler.
