import LoomWorker

/// The one place `loom worker` gets its workflow engine from: LoomWorkflow's executor.
func makeWorkflowRunner() -> any WorkflowJobRunner {
    WorkflowEngineRunner()
}
