// Group commit: one thread owns every write to the queue store. Requests
// hand it a job and wait; whatever jobs are waiting when a commit starts go
// into that one transaction, so many requests share one fsync. A job's
// submit() returns only once the commit holding its writes is durable.
#pragma once

#include "common/result.hpp"
#include "store/batch.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace ocs::queue {

struct CommitStats {
    std::uint64_t commits = 0;
    std::uint64_t jobs = 0;
    std::uint64_t largestBatch = 0;
};

class CommitWriter {
public:
    using Job = std::function<Status(store::Batch&)>;
    // Told, on the writer thread, how long each commit took (its jobs and
    // the store's write), how many jobs it held, and how it ended (a failed
    // commit's error is what its jobs were answered).
    using Observer =
        std::function<void(std::chrono::steady_clock::duration elapsed, std::size_t jobs, const Status& result)>;

    CommitWriter(store::BatchWriter& store, std::size_t maxJobsPerCommit, Observer observer = {});
    // Commits what was submitted, then stops the thread.
    ~CommitWriter();
    CommitWriter(const CommitWriter&) = delete;
    CommitWriter& operator=(const CommitWriter&) = delete;

    // Runs the job in the next commit and waits for it. A job must fail
    // only when the store fails: its error cancels the whole commit, and
    // every job in it is answered with StoreUnavailable.
    Status submit(Job job);

    CommitStats stats() const;

private:
    struct Pending {
        Job job;
        Status result;
        bool done = false;
        std::condition_variable finished; // under mutex_
    };

    void loop();
    Status commit(std::deque<Pending*>& batch);

    store::BatchWriter& store_;
    const std::size_t maxJobs_;
    const Observer observer_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;     // the writer: work arrived or stopping
    std::deque<Pending*> waiting_;
    bool stopping_ = false;
    CommitStats stats_;
    std::thread thread_;
};

} // namespace ocs::queue
