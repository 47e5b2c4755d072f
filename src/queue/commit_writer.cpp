#include "queue/commit_writer.hpp"

#include "common/thread_name.hpp"

#include <algorithm>

namespace ocs::queue {

CommitWriter::CommitWriter(store::BatchWriter& store, std::size_t maxJobsPerCommit, Observer observer)
    : store_(store), maxJobs_(std::max<std::size_t>(1, maxJobsPerCommit)), observer_(std::move(observer)),
      thread_([this] {
          nameThisThread("ocs-commit");
          loop();
      })
{
}

CommitWriter::~CommitWriter()
{
    {
        const std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    thread_.join();
}

Status CommitWriter::submit(Job job)
{
    Pending pending;
    pending.job = std::move(job);
    std::unique_lock lock(mutex_);
    if (stopping_)
        return makeError(ErrorCode::StoreUnavailable, {}, "the commit writer is stopping");
    waiting_.push_back(&pending);
    wake_.notify_one();
    pending.finished.wait(lock, [&] { return pending.done; });
    return pending.result;
}

CommitStats CommitWriter::stats() const
{
    const std::lock_guard lock(mutex_);
    return stats_;
}

void CommitWriter::loop()
{
    std::unique_lock lock(mutex_);
    for (;;) {
        wake_.wait(lock, [this] { return stopping_ || !waiting_.empty(); });
        if (waiting_.empty())
            return; // stopping, and everything submitted was committed
        std::deque<Pending*> batch;
        while (!waiting_.empty() && batch.size() < maxJobs_) {
            batch.push_back(waiting_.front());
            waiting_.pop_front();
        }
        lock.unlock();
        const auto started = std::chrono::steady_clock::now();
        const Status result = commit(batch);
        if (observer_)
            observer_(std::chrono::steady_clock::now() - started, batch.size(), result);
        lock.lock();
        ++stats_.commits;
        stats_.jobs += batch.size();
        stats_.largestBatch = std::max<std::uint64_t>(stats_.largestBatch, batch.size());
        // Each submitter has its own condition: a commit wakes only its own
        // requests, not every one waiting for a later commit.
        for (Pending* pending : batch) {
            pending->done = true;
            pending->finished.notify_one();
        }
    }
}

Status CommitWriter::commit(std::deque<Pending*>& batch)
{
    Status result = store_.write([&](store::Batch& writes) -> Status {
        for (Pending* pending : batch) {
            if (Status done = pending->job(writes); !done)
                return done;
        }
        return {};
    });
    if (result)
        return result;
    // Nothing of this commit was kept: every request in it is told so.
    const Error failed = makeError(ErrorCode::StoreUnavailable, {}, result.error().detail);
    for (Pending* pending : batch)
        pending->result = failed;
    return failed;
}

} // namespace ocs::queue
