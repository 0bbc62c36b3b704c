import Foundation

/// Median wall and CPU seconds of several runs, the best wall time, and the last result.
/// CPU seconds are the process's (every thread), so a fit on two cores shows about twice
/// its wall time.
struct Timing<T> {
    var seconds: Double
    var cpu: Double
    var best: Double
    var result: T

    init(runs: Int, _ body: () throws -> T) rethrows {
        var walls: [Double] = []
        var cpus: [Double] = []
        var result: T?
        for _ in 0..<runs {
            let cpuStart = processCPUSeconds()
            let start = ContinuousClock.now
            result = try body()
            let elapsed = ContinuousClock.now - start
            walls.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
            cpus.append(processCPUSeconds() - cpuStart)
        }
        seconds = walls.sorted()[runs / 2]
        cpu = cpus.sorted()[runs / 2]
        best = walls.min()!
        self.result = result!
    }
}

/// User plus system CPU seconds of this process so far.
func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

/// FNV-1a over the bit patterns of `values`: equal only if every prediction is identical.
func fingerprint(_ values: [Double]) -> String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for value in values {
        hash ^= value.bitPattern
        hash = hash &* 0x0000_0100_0000_01b3
    }
    return String(hash, radix: 16)
}
