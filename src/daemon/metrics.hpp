// What GET /metrics reports, in the Prometheus text exposition format 0.0.4:
// requests by operation and result with their durations, reported events by
// what became of them, commits (duration,
// events and requests per commit), throttled logins, open connections,
// sessions, queue depth and the process's memory, descriptors and start.
//
// Recording is lock-free: atomic counters in arrays sized at construction,
// so neither the workers nor the commit writer ever wait for a scrape or for
// each other. Gauges that belong to other parts (sessions, queues) are read
// from their sources only when scraped.
#pragma once

#include "common/result.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ocs::auth {
class Authenticator;
}
namespace ocs::store {
class QueueStore;
class QueueWriter;
}

namespace ocs::daemon {

// Fixed buckets over whole-number observations (microseconds, events).
class Histogram {
  public:
    explicit Histogram(std::vector<std::uint64_t> bounds);

    void observe(std::uint64_t value);

    struct Snapshot {
        std::vector<std::uint64_t> bounds;
        std::vector<std::uint64_t> cumulative; // one per bound, then +Inf (== count)
        std::uint64_t sum = 0;
        std::uint64_t count() const { return cumulative.back(); }
    };
    // The count is the sum of the buckets read, so _count and le="+Inf"
    // agree even while other threads observe.
    Snapshot snapshot() const;

  private:
    std::vector<std::uint64_t> bounds_;
    std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_; // per bucket, not cumulative; last: above every bound
    std::atomic<std::uint64_t> sum_{0};
};

struct QueueDepth {
    std::uint64_t queues = 0;
    std::uint64_t entries = 0;
};

// Read at each scrape; an empty function or value leaves the series out.
struct GaugeSources {
    std::function<std::size_t()> sessions;
    std::function<std::optional<QueueDepth>()> queues;
    std::function<std::size_t()> journalBacklog;
};

// Descriptors this process has open (not counting the one that lists
// them); none when /proc cannot be read.
std::optional<std::uint64_t> openDescriptors();

// The service's gauges: live sessions of the authenticator, queue totals of
// the store (none until the store has counted them), the journal's backlog
// when the store is written through one.
GaugeSources serviceGauges(const auth::Authenticator& authenticator, const store::QueueStore& queues,
                           const store::QueueWriter* journal);

class Metrics {
  public:
    explicit Metrics(GaugeSources sources);

    // One request as its I-1001 line reports it. `operation` is the request
    // record's: a SOAP operation name, "GET /path" and the like for plain
    // HTTP (label "http"), "-" when no operation was recognised ("unknown").
    void recordRequest(std::string_view operation, const std::optional<Error>& error,
                       std::chrono::microseconds elapsed);
    // What became of the events one NewMail or Notify reported.
    void recordEvents(std::string_view operation, std::uint64_t queued, std::uint64_t duplicates,
                      const std::vector<ErrorCode>& refused);
    // The commit writer's observer, and the event router's tally of the
    // events each job of the running commit writes.
    void recordCommit(std::chrono::steady_clock::duration elapsed, std::size_t jobs);
    void tallyCommitEvents(std::size_t events);
    void connectionOpened();
    void connectionClosed();

    // The exposition text, every family with # HELP and # TYPE.
    std::string render() const;

    // The operation labels, in exposition order.
    static const std::vector<std::string_view>& operationLabels();

  private:
    std::size_t operationSlot(std::string_view operation) const;
    std::atomic<std::uint64_t>& requests(std::size_t operation, std::size_t result) const;

    GaugeSources sources_;
    const std::vector<std::string_view> results_;      // "ok", then the error table's names
    const std::vector<std::string_view> eventResults_; // "queued", "duplicate", then the error table's names
    std::unique_ptr<std::atomic<std::uint64_t>[]> requests_;   // operation × result
    std::unique_ptr<std::atomic<std::uint64_t>[]> events_;     // NewMail, Notify × queued, duplicate, error names
    std::vector<std::unique_ptr<Histogram>> requestDurations_; // per operation, µs
    Histogram commitDuration_;                                 // µs
    Histogram commitEvents_;
    Histogram commitRequests_;
    std::atomic<std::uint64_t> pendingEvents_{0}; // of the commit running now
    std::atomic<std::uint64_t> throttled_{0};
    std::atomic<std::int64_t> connections_{0};
    std::optional<std::uint64_t> startTime_; // seconds since the epoch, from /proc
};

} // namespace ocs::daemon
