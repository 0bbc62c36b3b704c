import LoomWorker

/// The one place `loom worker` gets its workflow engine from. Until LoomWorkflow provides
/// a `WorkflowJobRunner`, every workflow job fails for good with "this build has no
/// workflow engine" (ingestion and bench jobs run as usual).
func makeWorkflowRunner() -> any WorkflowJobRunner {
    NoWorkflowEngine()
}
