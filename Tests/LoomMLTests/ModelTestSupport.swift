import LoomML
import Synchronization

/// A fit control that asks to stop once it has been polled `after` times: how the tests
/// check that every model honours cancellation.
final class CancelAfterPolls: Sendable {
    private let polls = Mutex(0)
    let after: Int

    init(after: Int) { self.after = after }

    var control: FitControl {
        FitControl(isCancelled: { [self] in
            polls.withLock { count in
                count += 1
                return count > after
            }
        })
    }

    var pollCount: Int { polls.withLock { $0 } }
}
