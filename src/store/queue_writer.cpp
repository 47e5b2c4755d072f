#include "store/queue_writer.hpp"

#include "common/thread_name.hpp"
#include "store/records.hpp"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

namespace ocs::store {
namespace {

constexpr std::chrono::milliseconds kFirstRetry{50};
constexpr std::chrono::milliseconds kLastRetry{2000};
constexpr int kRetriesWhenStopping = 3;

std::size_t weightOf(const Changes& changes)
{
    return std::max<std::size_t>(1, changes.entries.size());
}

std::int64_t wallClockMs()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// A journaled batch that store.tdb has not taken yet.
struct Pending {
    Changes changes;
    JournalPosition end;
    std::vector<std::function<void()>> callbacks;
    std::uint64_t number = 0; // in the order written
    std::size_t weight = 0;
};

} // namespace

struct QueueWriter::Impl : StoreView {
    Impl(QueueStore& s, std::unique_ptr<Journal> j, QueueWriterOptions o)
        : store(s), journal(std::move(j)), options(std::move(o)), window(s.options().duplicates)
    {
    }

    QueueStore& store;
    std::unique_ptr<Journal> journal;
    const QueueWriterOptions options;

    // The writer's side, under writeMutex: what store.tdb will hold once
    // every pending batch is applied.
    std::mutex writeMutex;
    std::map<QueueKey, QueueState> queues;
    DuplicateWindow window;

    // Shared with the applier, under mutex.
    mutable std::mutex mutex;
    std::condition_variable changed;
    std::deque<std::unique_ptr<Pending>> pending;
    std::size_t pendingWeight = 0;
    std::uint64_t written = 0;
    std::uint64_t applied = 0;
    std::optional<Error> failure; // of the last apply
    bool stopping = false;
    WriterStats stats;
    std::thread applier;

    Result<QueueState> queue(const QueueKey& key) override
    {
        auto found = queues.find(key);
        return found == queues.end() ? QueueState{} : found->second;
    }

    // Batches written but not applied are in the window already.
    bool recentlySeen(std::uint64_t digest) override { return window.contains(digest); }

    Status load();
    Status migrate();
    Status replay();
    void run();
    bool applyOnce(std::unique_lock<std::mutex>& lock);
};

Status QueueWriter::Impl::migrate()
{
    if (!store.isFormat1())
        return {};
    auto from = store.journalPosition();
    if (!from)
        return from.error();
    // What the journal still holds was written for format 1: the earlier
    // version must apply it before store.tdb changes format.
    Status applied =
        journal->replay(from->value_or(JournalPosition{}), [&](std::string_view, JournalPosition) -> Status {
            return makeError(
                ErrorCode::InternalError, {},
                journal->directory().string() +
                    " holds batches store.tdb has not taken, written by a version before 0.2.0: start that "
                    "version once and stop it cleanly, so that it applies them, then start this one");
        });
    if (!applied)
        return applied;
    return store.migrateFormat1();
}

Status QueueWriter::Impl::replay()
{
    auto from = store.journalPosition();
    if (!from)
        return from.error();
    std::vector<Changes> chunk;
    std::size_t weight = 0;
    JournalPosition last = from->value_or(JournalPosition{});
    auto applyChunk = [&]() -> Status {
        std::vector<const Changes*> batches;
        for (const Changes& changes : chunk)
            batches.push_back(&changes);
        Status s = store.apply(batches, last);
        chunk.clear();
        weight = 0;
        return s;
    };
    Status replayed = journal->replay(last, [&](std::string_view payload, JournalPosition end) -> Status {
        auto changes = decodeChanges(payload);
        if (!changes)
            return makeError(ErrorCode::InternalError, {},
                             journal->directory().string() + ": " + changes.error().detail);
        weight += weightOf(*changes);
        chunk.push_back(std::move(*changes));
        last = end;
        ++stats.replayedRecords;
        return weight >= options.maxEventsPerApply ? applyChunk() : Status();
    });
    if (!replayed)
        return replayed;
    if (!chunk.empty()) {
        if (Status s = applyChunk(); !s)
            return s;
    }
    return journal->release(last);
}

Status QueueWriter::Impl::load()
{
    // The same walk gives the store its queue totals (metrics).
    return store.countQueues([&](const QueueKey& key, const QueueState& state) { queues[key] = state; },
                             [&](Generation generation) { window.load(std::move(generation)); });
}

bool QueueWriter::Impl::applyOnce(std::unique_lock<std::mutex>& lock)
{
    std::vector<const Changes*> batches;
    std::size_t weight = 0;
    for (const auto& item : pending) {
        if (!batches.empty() && weight + item->weight > options.maxEventsPerApply)
            break;
        batches.push_back(&item->changes);
        weight += item->weight;
    }
    const JournalPosition through = pending[batches.size() - 1]->end;
    lock.unlock();
    Status result = store.apply(batches, through);
    lock.lock();
    if (!result) {
        failure = result.error();
        ++stats.failedApplies;
        changed.notify_all();
        return false;
    }
    failure.reset();
    std::vector<std::function<void()>> callbacks;
    std::uint64_t last = applied;
    for (std::size_t i = 0; i < batches.size(); ++i) {
        Pending& item = *pending.front();
        for (auto& callback : item.callbacks)
            callbacks.push_back(std::move(callback));
        pendingWeight -= item.weight;
        last = item.number;
        pending.pop_front();
    }
    ++stats.applies;
    stats.largestApply = std::max<std::uint64_t>(stats.largestApply, batches.size());
    changed.notify_all(); // room for writers
    lock.unlock();
    Status released = journal->release(through);
    if (options.runCallbacks) {
        options.runCallbacks(callbacks);
    } else {
        for (const auto& callback : callbacks)
            callback();
    }
    if (!released && options.applyFailed)
        options.applyFailed(released.error());
    lock.lock();
    // Applied means told, too: flush() returns after the callbacks ran.
    applied = last;
    changed.notify_all();
    return true;
}

void QueueWriter::Impl::run()
{
    std::unique_lock lock(mutex);
    auto retry = kFirstRetry;
    int retriesLeft = kRetriesWhenStopping;
    std::chrono::steady_clock::time_point nextStart;
    for (;;) {
        changed.wait(lock, [this] { return stopping || !pending.empty(); });
        if (pending.empty())
            return;
        changed.wait_until(lock, nextStart, [this] { return stopping || pendingWeight >= options.maxEventsPerApply; });
        const auto started = std::chrono::steady_clock::now();
        const bool ok = applyOnce(lock);
        const auto ended = std::chrono::steady_clock::now();
        nextStart = ended + std::min<std::chrono::steady_clock::duration>(options.maxApplyPause, ended - started);
        if (ok) {
            retry = kFirstRetry;
            continue;
        }
        const Error error = *failure;
        lock.unlock();
        if (options.applyFailed)
            options.applyFailed(error);
        lock.lock();
        // Stopping with store.tdb failing: the journal keeps the rest.
        if (stopping && --retriesLeft <= 0)
            return;
        changed.wait_for(lock, retry, [this] { return stopping; });
        retry = std::min(retry * 2, kLastRetry);
    }
}

QueueWriter::QueueWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl))
{
    impl_->applier = std::thread([this] {
        nameThisThread("ocs-apply");
        impl_->run();
    });
}

QueueWriter::~QueueWriter()
{
    {
        const std::lock_guard lock(impl_->mutex);
        impl_->stopping = true;
    }
    impl_->changed.notify_all();
    impl_->applier.join();
}

Result<std::unique_ptr<QueueWriter>> QueueWriter::open(QueueStore& store, const std::filesystem::path& stateDirectory,
                                                       QueueWriterOptions options)
{
    if (store.options().access != Access::ReadWrite)
        return makeError(ErrorCode::InternalError, {}, "the queue writer needs a writable store");
    auto journal = Journal::open(stateDirectory, store.options().sync, options.segmentBytes);
    if (!journal)
        return journal.error();
    auto impl = std::make_unique<Impl>(store, std::move(*journal), std::move(options));
    if (Status migrated = impl->migrate(); !migrated)
        return migrated.error();
    if (Status replayed = impl->replay(); !replayed)
        return replayed.error();
    if (Status loaded = impl->load(); !loaded)
        return loaded.error();
    return std::unique_ptr<QueueWriter>(new QueueWriter(std::move(impl)));
}

Status QueueWriter::write(const std::function<Status(Batch&)>& body)
{
    Impl& d = *impl_;
    const std::lock_guard writing(d.writeMutex);
    {
        std::unique_lock lock(d.mutex);
        if (!d.changed.wait_for(lock, d.options.waitLimit,
                                [&] { return d.pendingWeight < d.options.maxPendingEvents; })) {
            return makeError(ErrorCode::StoreUnavailable, {},
                             "store.tdb is too far behind the journal" +
                                 (d.failure ? ": " + d.failure->detail : std::string()));
        }
    }
    const std::int64_t now = wallClockMs();
    const DuplicateWindow::Turn turn = d.window.begin(now);
    Batch batch(d, d.store.options().retainedEntries, turn, now);
    if (Status done = body(batch); !done)
        return done;
    auto item = std::make_unique<Pending>();
    item->callbacks = batch.takeCallbacks();
    item->changes = batch.takeChanges();
    if (item->changes.empty()) {
        // Nothing to write: what the batch read is already visible.
        for (const auto& callback : item->callbacks)
            callback();
        return {};
    }
    auto end = d.journal->append(encodeChanges(item->changes));
    if (!end)
        return end.error();
    // Durable: from here on, this batch is part of the store.
    const Changes& changes = item->changes;
    for (const auto& [key, state] : changes.queues)
        d.queues[key] = state;
    d.window.commit(turn, changes.seen, now);
    item->end = *end;
    item->weight = weightOf(changes);
    {
        const std::lock_guard lock(d.mutex);
        item->number = ++d.written;
        // The applier waits for the first batch, or for a full transaction's
        // worth while it paces itself; otherwise it is busy and looks again.
        const bool first = d.pending.empty();
        const std::size_t before = d.pendingWeight;
        d.pendingWeight += item->weight;
        d.pending.push_back(std::move(item));
        if (!first && (before >= d.options.maxEventsPerApply || d.pendingWeight < d.options.maxEventsPerApply))
            return {};
    }
    d.changed.notify_all();
    return {};
}

Status QueueWriter::flush()
{
    std::unique_lock lock(impl_->mutex);
    const std::uint64_t target = impl_->written;
    impl_->changed.wait(lock, [&] { return impl_->applied >= target || impl_->failure; });
    if (impl_->applied >= target)
        return {};
    return *impl_->failure;
}

std::size_t QueueWriter::backlog() const
{
    const std::lock_guard lock(impl_->mutex);
    return impl_->pendingWeight;
}

WriterStats QueueWriter::stats() const
{
    const std::lock_guard lock(impl_->mutex);
    return impl_->stats;
}

} // namespace ocs::store
