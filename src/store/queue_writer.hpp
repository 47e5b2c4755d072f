// How the daemon writes the queue store: each batch is appended to the
// journal and acknowledged once that one record is on disk; a background
// thread applies what the journal holds to store.tdb in large transactions,
// then runs the batches' "visible" callbacks (wake-ups, pushes). Batches read
// what has been written but not applied yet, so duplicates and sequences
// are exact. On open, what store.tdb has not taken from the
// journal is applied first.
//
// The daemon must be the only process writing store.tdb's queues and
// duplicate window (the journal's lock makes sure of it): the writer keeps
// every queue's state and the window in memory. A store.tdb of format 1 is
// migrated on open, once its journal is wholly applied.
#pragma once

#include "common/result.hpp"
#include "store/batch.hpp"
#include "store/journal.hpp"
#include "store/queue_store.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <vector>

namespace ocs::store {

struct QueueWriterOptions {
    // Events (index entries and queue entries) journaled but not yet in
    // store.tdb; a write waits beyond this, and fails after waitLimit.
    std::size_t maxPendingEvents = 20000;
    std::chrono::milliseconds waitLimit{5000};
    // Events per store.tdb transaction at most (a single batch may exceed it).
    std::size_t maxEventsPerApply = 5000;
    // After each store.tdb transaction the applier pauses as long as the
    // transaction took, at most this long, unless maxEventsPerApply are
    // waiting: a transaction costs mostly per page it dirties and per sync,
    // so under load fewer, larger ones cost less per event, while a batch
    // that comes after a quiet spell is applied at once.
    std::chrono::milliseconds maxApplyPause{0};
    std::uint64_t segmentBytes = Journal::kDefaultSegmentBytes;
    // Told each time applying to store.tdb fails; it is retried.
    std::function<void(const Error&)> applyFailed;
    // Runs the callbacks of the batches one transaction applied, every one
    // of them, on the applier thread (the daemon gathers their wake-ups);
    // unset, they run in order.
    std::function<void(const std::vector<std::function<void()>>&)> runCallbacks;
};

struct WriterStats {
    std::uint64_t applies = 0;      // store.tdb transactions
    std::uint64_t largestApply = 0; // batches in one of them
    std::uint64_t failedApplies = 0;
    std::uint64_t replayedRecords = 0; // applied from the journal on open
};

class QueueWriter : public BatchWriter {
  public:
    static Result<std::unique_ptr<QueueWriter>> open(QueueStore& store, const std::filesystem::path& stateDirectory,
                                                     QueueWriterOptions options = {});
    // Applies what was journaled (unless store.tdb keeps failing: then the
    // journal keeps it for the next open), then stops.
    ~QueueWriter() override;
    QueueWriter(const QueueWriter&) = delete;
    QueueWriter& operator=(const QueueWriter&) = delete;

    // Durable (journaled) when this returns successfully.
    Status write(const std::function<Status(Batch&)>& body) override;
    // Waits until everything written so far can be read from store.tdb.
    Status flush();

    WriterStats stats() const;
    // Events journaled and not yet applied to store.tdb.
    std::size_t backlog() const;

  private:
    struct Impl;
    explicit QueueWriter(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

} // namespace ocs::store
