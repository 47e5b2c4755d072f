#include "queue/commit_writer.hpp"
#include "store/queue_store.hpp"
#include "unit/store/temp_directory.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace ocs;
using namespace ocs::store;
using ocs::queue::CommitStats;
using ocs::queue::CommitWriter;

namespace {

const QueueKey kShared{"shared", 0, TableType::None};

QueueKey ownQueue(int thread)
{
    return QueueKey{"thread-" + std::to_string(thread), 0, TableType::None};
}

QueueEntry entryFrom(const std::string& producer, std::uint32_t number)
{
    QueueEntry entry;
    entry.producer = producer;
    entry.messageFlags = number;
    return entry;
}

// Opens once; every waiter passes from then on.
class Gate {
  public:
    void open()
    {
        {
            const std::lock_guard lock(mutex_);
            open_ = true;
        }
        changed_.notify_all();
    }
    void wait()
    {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [this] { return open_; });
    }

  private:
    std::mutex mutex_;
    std::condition_variable changed_;
    bool open_ = false;
};

// Counts arrivals; waitFor(n) returns once n have arrived.
class Counter {
  public:
    void arrive()
    {
        {
            const std::lock_guard lock(mutex_);
            ++count_;
        }
        changed_.notify_all();
    }
    void waitFor(int n)
    {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] { return count_ >= n; });
    }

  private:
    std::mutex mutex_;
    std::condition_variable changed_;
    int count_ = 0;
};

// Time for threads that said they are about to submit to have queued their
// job: they only have a mutex to take.
constexpr auto kSettle = std::chrono::milliseconds(300);

CommitWriter::Job appendTo(const QueueKey& queue, QueueEntry entry)
{
    return [queue, entry](Batch& batch) -> Status {
        auto appended = batch.append(queue, entry);
        return appended ? Status() : Status(appended.error());
    };
}

// Holds the writer inside a commit while `waiting` threads each submit one
// append to kShared, then lets it go; returns their results once every one
// has been answered.
std::vector<Status> submitWhileACommitRuns(CommitWriter& writer, int waiting)
{
    Gate release;
    Counter blockerRunning;
    Counter aboutToSubmit;
    std::thread blocker([&] {
        (void)writer.submit([&](Batch&) -> Status {
            blockerRunning.arrive();
            release.wait();
            return {};
        });
    });
    blockerRunning.waitFor(1);
    std::vector<Status> results(static_cast<std::size_t>(waiting));
    std::vector<std::thread> threads;
    for (int t = 0; t < waiting; ++t) {
        threads.emplace_back([&, t] {
            aboutToSubmit.arrive();
            results[static_cast<std::size_t>(t)] =
                writer.submit(appendTo(kShared, entryFrom("waiter", static_cast<std::uint32_t>(t))));
        });
    }
    aboutToSubmit.waitFor(waiting);
    std::this_thread::sleep_for(kSettle);
    release.open();
    blocker.join();
    for (std::thread& thread : threads)
        thread.join();
    return results;
}

} // namespace

class CommitWriterTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(CommitWriterTest);
    CPPUNIT_TEST(testSubmitReturnsOnceCommitted);
    CPPUNIT_TEST(testConcurrentSubmitsKeepEveryQueueInOrder);
    CPPUNIT_TEST(testJobsWaitingDuringACommitShareTheNext);
    CPPUNIT_TEST(testCommitsHoldAtMostTheConfiguredJobs);
    CPPUNIT_TEST(testFailingJobFailsItsWholeCommit);
    CPPUNIT_TEST(testFailingJobAloneIsStoreUnavailable);
    CPPUNIT_TEST(testReadOnlyStoreFailsEverySubmit);
    CPPUNIT_TEST(testObserverSeesEveryCommitBeforeItsSubmittersReturn);
    CPPUNIT_TEST_SUITE_END();

  public:
    void setUp() override
    {
        directory_ = std::make_unique<test::TempDirectory>();
        QueueStoreOptions options;
        options.sync = false;
        options.retainedEntries = 100000;
        auto opened = QueueStore::open(directory_->path(), options);
        CPPUNIT_ASSERT(opened.ok());
        store_ = std::move(*opened);
    }

    void tearDown() override
    {
        store_.reset();
        directory_.reset();
    }

    void testSubmitReturnsOnceCommitted()
    {
        CommitWriter writer(*store_, 16);
        CPPUNIT_ASSERT(writer.submit(appendTo(kShared, entryFrom("main", 1))).ok());
        // Visible through the store as soon as submit returned.
        const auto entries = read(kShared);
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, entries.size());
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{1}, entries[0].sequence);
        const CommitStats stats = writer.stats();
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{1}, stats.commits);
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{1}, stats.jobs);
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{1}, stats.largestBatch);
    }

    void testConcurrentSubmitsKeepEveryQueueInOrder()
    {
        constexpr int kThreads = 16;
        constexpr std::uint32_t kSubmits = 200;
        constexpr std::size_t kMaxJobs = 64;
        std::vector<int> failures(kThreads, 0);
        {
            CommitWriter writer(*store_, kMaxJobs);
            std::vector<std::thread> threads;
            for (int t = 0; t < kThreads; ++t) {
                threads.emplace_back([&, t] {
                    const std::string producer = "thread-" + std::to_string(t);
                    for (std::uint32_t n = 0; n < kSubmits; ++n) {
                        const QueueEntry entry = entryFrom(producer, n);
                        const Status done = writer.submit([&](Batch& batch) -> Status {
                            if (auto shared = batch.append(kShared, entry); !shared)
                                return shared.error();
                            auto own = batch.append(ownQueue(t), entry);
                            return own ? Status() : Status(own.error());
                        });
                        if (!done)
                            ++failures[t];
                    }
                });
            }
            for (std::thread& thread : threads)
                thread.join();

            const CommitStats stats = writer.stats();
            CPPUNIT_ASSERT_EQUAL(std::uint64_t{kThreads * kSubmits}, stats.jobs);
            CPPUNIT_ASSERT(stats.commits >= 1);
            CPPUNIT_ASSERT(stats.commits <= stats.jobs);
            CPPUNIT_ASSERT(stats.largestBatch >= 1);
            CPPUNIT_ASSERT(stats.largestBatch <= kMaxJobs);
        }
        for (int t = 0; t < kThreads; ++t)
            CPPUNIT_ASSERT_EQUAL(0, failures[t]);

        const auto shared = read(kShared);
        CPPUNIT_ASSERT_EQUAL(std::size_t{kThreads * kSubmits}, shared.size());
        const QueueState state = *store_->state(kShared);
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{1}, state.first);
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{kThreads * kSubmits + 1}, state.next);
        std::vector<std::uint32_t> nextOf(kThreads, 0);
        for (std::size_t i = 0; i < shared.size(); ++i) {
            CPPUNIT_ASSERT_EQUAL(std::uint64_t{i + 1}, shared[i].sequence); // no gap, no duplicate
            const int t = std::stoi(shared[i].producer.substr(std::string("thread-").size()));
            CPPUNIT_ASSERT(t >= 0 && t < kThreads);
            CPPUNIT_ASSERT(shared[i].messageFlags.has_value());
            CPPUNIT_ASSERT_EQUAL(nextOf[t], *shared[i].messageFlags); // each thread's in its order
            ++nextOf[t];
        }
        for (int t = 0; t < kThreads; ++t) {
            CPPUNIT_ASSERT_EQUAL(kSubmits, nextOf[t]);
            const auto own = read(ownQueue(t));
            CPPUNIT_ASSERT_EQUAL(std::size_t{kSubmits}, own.size());
            for (std::uint32_t n = 0; n < kSubmits; ++n) {
                CPPUNIT_ASSERT_EQUAL(std::uint64_t{n + 1}, own[n].sequence);
                CPPUNIT_ASSERT_EQUAL(n, *own[n].messageFlags);
                CPPUNIT_ASSERT_EQUAL("thread-" + std::to_string(t), own[n].producer);
            }
        }
    }

    void testJobsWaitingDuringACommitShareTheNext()
    {
        constexpr int kWaiting = 8;
        CommitWriter writer(*store_, 100);
        Gate release;
        Counter blockerRunning;
        Counter aboutToSubmit;
        Status blockerResult;
        std::thread blocker([&] {
            blockerResult = writer.submit([&](Batch& batch) -> Status {
                blockerRunning.arrive();
                release.wait(); // the writer is inside this commit until the test says so
                auto appended = batch.append(kShared, entryFrom("blocker", 0));
                return appended ? Status() : Status(appended.error());
            });
        });
        blockerRunning.waitFor(1);

        std::vector<Status> results(kWaiting);
        std::vector<std::uint64_t> commitsSeen(kWaiting, 99);
        std::vector<std::thread> threads;
        for (int t = 0; t < kWaiting; ++t) {
            threads.emplace_back([&, t] {
                aboutToSubmit.arrive();
                results[t] = writer.submit([&, t](Batch& batch) -> Status {
                    commitsSeen[t] = writer.stats().commits; // commits finished before this one
                    auto appended = batch.append(kShared, entryFrom("waiter", static_cast<std::uint32_t>(t)));
                    return appended ? Status() : Status(appended.error());
                });
            });
        }
        aboutToSubmit.waitFor(kWaiting);
        std::this_thread::sleep_for(kSettle);
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{0}, writer.stats().commits); // still inside the first
        release.open();
        blocker.join();
        for (std::thread& thread : threads)
            thread.join();

        CPPUNIT_ASSERT(blockerResult.ok());
        for (int t = 0; t < kWaiting; ++t) {
            CPPUNIT_ASSERT(results[t].ok());
            CPPUNIT_ASSERT_EQUAL(std::uint64_t{1}, commitsSeen[t]); // all in the second commit
        }
        const CommitStats stats = writer.stats();
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{2}, stats.commits);
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{kWaiting + 1}, stats.jobs);
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{kWaiting}, stats.largestBatch);
        CPPUNIT_ASSERT_EQUAL(std::size_t{kWaiting + 1}, read(kShared).size());
    }

    void testCommitsHoldAtMostTheConfiguredJobs()
    {
        constexpr int kWaiting = 6;
        CommitWriter writer(*store_, 2);
        const std::vector<Status> results = submitWhileACommitRuns(writer, kWaiting);
        for (const Status& result : results)
            CPPUNIT_ASSERT(result.ok());
        const CommitStats stats = writer.stats();
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{1 + kWaiting / 2}, stats.commits); // the blocker, then pairs
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{2}, stats.largestBatch);
        CPPUNIT_ASSERT_EQUAL(std::size_t{kWaiting}, read(kShared).size());
    }

    void testObserverSeesEveryCommitBeforeItsSubmittersReturn()
    {
        std::mutex mutex;
        std::vector<std::size_t> observed; // jobs per commit, in commit order
        std::vector<std::string> failures; // the error of each failed commit
        CommitWriter writer(
            *store_, 100, [&](std::chrono::steady_clock::duration elapsed, std::size_t jobs, const Status& result) {
                CPPUNIT_ASSERT(elapsed >= std::chrono::steady_clock::duration::zero());
                const std::lock_guard lock(mutex);
                observed.push_back(jobs);
                if (!result)
                    failures.push_back(std::string(result.error().row().name) + ": " + result.error().detail);
            });
        CPPUNIT_ASSERT(writer.submit(appendTo(kShared, entryFrom("first", 1))).ok());
        {
            const std::lock_guard lock(mutex);
            CPPUNIT_ASSERT(observed == std::vector<std::size_t>{1});
        }
        // A failed commit is observed too, with what its jobs were told.
        CPPUNIT_ASSERT(
            !writer.submit([](Batch&) -> Status { return makeError(ErrorCode::InternalError, {}, "disk went away"); })
                 .ok());
        {
            const std::lock_guard lock(mutex);
            CPPUNIT_ASSERT(observed == (std::vector<std::size_t>{1, 1}));
            CPPUNIT_ASSERT(failures == std::vector<std::string>{"StoreUnavailable: disk went away"});
        }

        // Jobs that wait during a commit share the next one, and it is
        // observed with all of them.
        constexpr int kWaiting = 5;
        for (const Status& result : submitWhileACommitRuns(writer, kWaiting))
            CPPUNIT_ASSERT(result.ok());
        const std::lock_guard lock(mutex);
        CPPUNIT_ASSERT(observed == (std::vector<std::size_t>{1, 1, 1, kWaiting}));
    }

    void testFailingJobFailsItsWholeCommit()
    {
        CommitWriter writer(*store_, 100);
        Gate release;
        Counter blockerRunning;
        Counter aboutToSubmit;
        Status blockerResult;
        std::thread blocker([&] {
            blockerResult = writer.submit([&](Batch& batch) -> Status {
                blockerRunning.arrive();
                release.wait();
                auto appended = batch.append(kShared, entryFrom("blocker", 0));
                return appended ? Status() : Status(appended.error());
            });
        });
        blockerRunning.waitFor(1);

        // Three jobs for the next commit: two good ones around a failing one.
        std::vector<CommitWriter::Job> jobs{
            appendTo(kShared, entryFrom("good", 1)),
            [](Batch& batch) -> Status {
                batch.firstSighting("sogo://a/1.eml");
                if (auto appended = batch.append(kShared, entryFrom("bad", 2)); !appended)
                    return appended.error();
                return makeError(ErrorCode::InternalError, {}, "disk on fire");
            },
            appendTo(ownQueue(0), entryFrom("good", 3)),
        };
        std::vector<Status> results(jobs.size());
        std::vector<std::thread> threads;
        for (std::size_t j = 0; j < jobs.size(); ++j) {
            threads.emplace_back([&, j] {
                aboutToSubmit.arrive();
                results[j] = writer.submit(jobs[j]);
            });
        }
        aboutToSubmit.waitFor(static_cast<int>(jobs.size()));
        std::this_thread::sleep_for(kSettle);
        release.open();
        blocker.join();
        for (std::thread& thread : threads)
            thread.join();

        CPPUNIT_ASSERT(blockerResult.ok());
        for (const Status& result : results) {
            CPPUNIT_ASSERT(!result.ok());
            CPPUNIT_ASSERT(result.error().code == ErrorCode::StoreUnavailable);
            CPPUNIT_ASSERT_EQUAL(std::string("disk on fire"), result.error().detail); // for the log
        }
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{2}, writer.stats().commits);
        // Nothing of the failed commit is stored.
        const auto shared = read(kShared);
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, shared.size());
        CPPUNIT_ASSERT_EQUAL(std::string("blocker"), shared[0].producer);
        CPPUNIT_ASSERT(read(ownQueue(0)).empty());
        // ...nor does the duplicate window hold its message.
        bool fresh = false;
        CPPUNIT_ASSERT(writer
                           .submit([&](Batch& batch) -> Status {
                               fresh = batch.firstSighting("sogo://a/1.eml");
                               return {};
                           })
                           .ok());
        CPPUNIT_ASSERT(fresh);

        // Later commits work and number on from what was kept.
        CPPUNIT_ASSERT(writer.submit(appendTo(kShared, entryFrom("later", 4))).ok());
        const auto after = read(kShared);
        CPPUNIT_ASSERT_EQUAL(std::size_t{2}, after.size());
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{2}, after[1].sequence);
        CPPUNIT_ASSERT_EQUAL(std::string("later"), after[1].producer);
    }

    void testFailingJobAloneIsStoreUnavailable()
    {
        CommitWriter writer(*store_, 16);
        const Status failed = writer.submit([](Batch& batch) -> Status {
            (void)batch.append(kShared, entryFrom("bad", 1));
            return makeError(ErrorCode::InvalidParameter, "field", "not a store error");
        });
        CPPUNIT_ASSERT(!failed.ok());
        CPPUNIT_ASSERT(failed.error().code == ErrorCode::StoreUnavailable);
        CPPUNIT_ASSERT(failed.error().field.empty());
        CPPUNIT_ASSERT(read(kShared).empty());
        CPPUNIT_ASSERT(writer.submit(appendTo(kShared, entryFrom("good", 2))).ok());
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{1}, read(kShared).at(0).sequence);
    }

    void testReadOnlyStoreFailsEverySubmit()
    {
        store_.reset(); // tdb refuses a second open of one file in one process
        QueueStoreOptions options;
        options.access = Access::ReadOnly;
        auto opened = QueueStore::open(directory_->path(), options);
        CPPUNIT_ASSERT(opened.ok());
        store_ = std::move(*opened);
        CommitWriter writer(*store_, 16);
        for (int i = 0; i < 3; ++i) {
            const Status failed = writer.submit(appendTo(kShared, entryFrom("any", 1)));
            CPPUNIT_ASSERT(!failed.ok());
            CPPUNIT_ASSERT(failed.error().code == ErrorCode::StoreUnavailable);
        }
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{3}, writer.stats().jobs);
    }

  private:
    std::vector<QueueEntry> read(const QueueKey& queue)
    {
        auto entries = store_->read(queue, 1, 1'000'000);
        CPPUNIT_ASSERT(entries.ok());
        return *entries;
    }

    std::unique_ptr<test::TempDirectory> directory_;
    std::unique_ptr<QueueStore> store_;
};

CPPUNIT_TEST_SUITE_REGISTRATION(CommitWriterTest);
