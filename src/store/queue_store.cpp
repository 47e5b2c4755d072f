#include "store/queue_store.hpp"

#include "store/records.hpp"

#include <sys/types.h>
#include <fcntl.h>

#include <tdb.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>

namespace ocs::store {
namespace {

constexpr std::string_view kFileName = "store.tdb";
constexpr int kDeadRecordsPerChain = 5;

std::int64_t wallClockMs()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

} // namespace

// Also what a batch written directly reads: store.tdb alone, under the lock.
struct QueueStore::Impl : StoreView {
    Impl(TdbFile tdb, QueueStoreOptions o) : file(std::move(tdb)), options(o) {}

    std::mutex mutex;
    TdbFile file;
    QueueStoreOptions options;
    // Set by countQueues(), then moved by each commit (under the mutex).
    std::atomic<bool> counted{false};
    std::atomic<std::uint64_t> queueCount{0};
    std::atomic<std::uint64_t> entryCount{0};

    // The duplicate window of batches written directly (write()), read from
    // the file at the first of them.
    std::optional<DuplicateWindow> window;
    bool format1 = false;

    bool recentlySeen(std::uint64_t digest) override { return window->contains(digest); }

    Status checkFormat(const std::filesystem::path& path);

    Result<QueueState> queue(const QueueKey& queue) override
    {
        const std::string key = keys::queue(queue);
        auto record = file.fetch(key);
        if (!record)
            return record.error();
        if (!*record)
            return QueueState{};
        return decodeQueueState(**record, key);
    }

    // Every queue's window and every generation of the duplicate window, in
    // one walk (either visitor may be empty); the caller holds the mutex.
    Status walkState(const std::function<void(const QueueKey&, const QueueState&)>& visitQueue,
                     const std::function<void(Generation)>& visitGeneration)
    {
        Status failure;
        Status walked = file.traverse([&](std::string_view key, std::string_view value) {
            QueueKey queue;
            if (visitQueue && !key.empty() && key[0] == 'q' && keys::parseQueue(key, queue)) {
                auto state = decodeQueueState(value, key);
                if (!state)
                    failure = state.error();
                else
                    visitQueue(queue, *state);
            } else if (visitGeneration && keys::isGeneration(key)) {
                auto generation = decodeGeneration(value, key);
                if (!generation)
                    failure = generation.error();
                else
                    visitGeneration(std::move(*generation));
            }
            return failure.ok();
        });
        return walked ? failure : walked;
    }

    // What a transaction changes in the totals, added once it committed.
    struct Growth {
        std::uint64_t queues = 0;
        std::uint64_t entries = 0; // modulo 2^64: trimming more than appended subtracts
    };
    // One transaction of `change`; what it counted goes into the totals once
    // it commits (a transaction run again counts again from zero).
    Status transact(const std::function<Status(Growth&)>& change);

    // The run that holds `sequence`, if the file has it: the run starting
    // there, or one of the kMaxRun - 1 before it.
    Result<std::optional<std::vector<QueueEntry>>> runHolding(const QueueKey& queue, std::uint64_t sequence)
    {
        for (std::uint64_t start = sequence; start >= 1 && start + kMaxRun > sequence; --start) {
            const std::string key = keys::entry(queue, start);
            auto record = file.fetch(key);
            if (!record)
                return record.error();
            if (!*record)
                continue;
            auto run = decodeRun(**record, key);
            if (!run)
                return run.error();
            if (run->back().sequence < sequence)
                break; // the entry is not there
            return std::optional<std::vector<QueueEntry>>(std::move(*run));
        }
        return std::optional<std::vector<QueueEntry>>();
    }

    // A queue the batches being applied touch.
    struct Touched {
        QueueState before;              // its window in the file
        QueueState after;               // once the batches are applied
        std::size_t lastRun = SIZE_MAX; // writeRuns(): the index of its last run
    };

    // Stores the new entries of each queue as runs of consecutive sequences,
    // up to kMaxRun each, in the order the runs begin in the batches (as
    // one record per entry would have been: next to each other in the
    // file). Entries out of the final window, or already in the file (a
    // batch applied again), are left out.
    Status writeRuns(const std::vector<const Changes*>& batches, std::map<QueueKey, Touched>& queues)
    {
        struct Run {
            const QueueKey* queue;
            std::vector<QueueEntry> entries;
        };
        std::vector<Run> runs;
        for (const Changes* changes : batches) {
            for (const auto& [queue, entry] : changes->entries) {
                Touched& touched = queues.at(queue);
                if (entry.sequence < std::max(touched.after.first, touched.before.next))
                    continue;
                if (touched.lastRun < runs.size()) {
                    std::vector<QueueEntry>& run = runs[touched.lastRun].entries;
                    if (run.size() < kMaxRun && entry.sequence == run.back().sequence + 1) {
                        run.push_back(entry);
                        continue;
                    }
                }
                touched.lastRun = runs.size();
                runs.push_back({&queue, {entry}});
            }
        }
        for (const Run& run : runs) {
            if (Status s = file.store(keys::entry(*run.queue, run.entries.front().sequence), encodeRun(run.entries),
                                      TdbFile::StoreMode::Replace);
                !s)
                return s;
        }
        return {};
    }

    // Deletes the runs of `before` whose every entry is older than `first`.
    Status trim(const QueueKey& queue, const QueueState& before, std::uint64_t first)
    {
        if (before.empty() || first <= before.first)
            return {};
        auto run = runHolding(queue, before.first);
        while (run && *run && (*run)->back().sequence < first) {
            const std::uint64_t end = (*run)->back().sequence;
            if (auto removed = file.remove(keys::entry(queue, (*run)->front().sequence)); !removed)
                return removed.error();
            // The next run starts at end + 1: retained, or not stored.
            if (end + 1 >= std::min(first, before.next))
                return {};
            run = runHolding(queue, end + 1);
        }
        return run ? Status() : Status(run.error());
    }

    // Inside a transaction. Entries that fall out of a queue's window by
    // the end of these batches are deleted, or never written.
    // Appends the batches' new messages to their generations, one write per
    // generation, and deletes the generations that left the window, in the
    // batches' order.
    Status writeGenerations(const std::vector<const Changes*>& batches)
    {
        std::map<std::uint64_t, Generation> grown;
        for (const Changes* changes : batches) {
            for (std::uint64_t number : changes->expired) {
                grown.erase(number);
                if (auto removed = file.remove(keys::generation(number)); !removed)
                    return removed.error();
            }
            if (changes->seen.empty())
                continue;
            auto found = grown.find(changes->generation);
            if (found == grown.end()) {
                const std::string key = keys::generation(changes->generation);
                auto record = file.fetch(key);
                if (!record)
                    return record.error();
                Generation generation{changes->generation, changes->seenMs, changes->seenMs, {}};
                if (*record) {
                    auto stored = decodeGeneration(**record, key);
                    if (!stored)
                        return stored.error();
                    generation = std::move(*stored);
                }
                found = grown.emplace(changes->generation, std::move(generation)).first;
            }
            Generation& generation = found->second;
            generation.lastMs = std::max(generation.lastMs, changes->seenMs);
            generation.digests.insert(generation.digests.end(), changes->seen.begin(), changes->seen.end());
        }
        for (const auto& [number, generation] : grown) {
            if (Status s =
                    file.store(keys::generation(number), encodeGeneration(generation), TdbFile::StoreMode::Replace);
                !s)
                return s;
        }
        return {};
    }

    Status apply(const std::vector<const Changes*>& batches, std::optional<JournalPosition> appliedThrough,
                 Growth& growth)
    {
        std::map<QueueKey, Touched> queues;
        for (const Changes* changes : batches) {
            for (const auto& [queue, state] : changes->queues)
                queues[queue].after = state;
        }
        if (Status s = writeGenerations(batches); !s)
            return s;
        for (auto& [key, touched] : queues) {
            auto before = queue(key);
            if (!before)
                return before.error();
            touched.before = *before;
        }
        if (Status s = writeRuns(batches, queues); !s)
            return s;
        for (const auto& [key, touched] : queues) {
            const QueueState& before = touched.before;
            const QueueState& after = touched.after;
            // A stored queue always holds at least one entry: an empty window read back is a new queue.
            growth.queues += before.empty() ? 1 : 0;
            growth.entries += (after.next - after.first) - (before.next - before.first);
            if (Status s = trim(key, before, after.first); !s)
                return s;
            if (Status s = file.store(keys::queue(key), encodeQueueState(after), TdbFile::StoreMode::Replace); !s)
                return s;
        }
        if (appliedThrough)
            return file.store(keys::journal(), encodePosition(*appliedThrough), TdbFile::StoreMode::Replace);
        return {};
    }
};

Status QueueStore::Impl::checkFormat(const std::filesystem::path& path)
{
    auto stored = file.fetch(keys::format());
    if (!stored)
        return stored.error();
    if (*stored) {
        auto version = decodeNumber(**stored, keys::format());
        if (!version)
            return version.error();
        if (*version > kStoreFormat)
            return makeError(ErrorCode::InternalError, {},
                             path.string() + " is of format " + std::to_string(*version) +
                                 ", written by a later version of OCSManager: upgrade this one");
        return {};
    }
    bool empty = true;
    if (Status walked = file.traverse([&](std::string_view, std::string_view) { return empty = false; }); !walked)
        return walked;
    if (empty) {
        if (options.access == Access::ReadOnly)
            return {};
        return file.store(keys::format(), encodeNumber(kStoreFormat), TdbFile::StoreMode::Replace);
    }
    format1 = true;
    if (options.openFormat1)
        return {};
    return makeError(ErrorCode::InternalError, {},
                     path.string() +
                         " is of format 1 (message ids allocated by the daemon, before 0.2.0): start ocsmanagerd "
                         "of this version once, which migrates it");
}

Status QueueStore::Impl::transact(const std::function<Status(Growth&)>& change)
{
    Growth growth;
    Status committed = file.transact([&] {
        growth = {};
        return change(growth);
    });
    if (committed && counted) {
        queueCount += growth.queues;
        entryCount += growth.entries;
    }
    return committed;
}

QueueStore::QueueStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

QueueStore::~QueueStore() = default;

Result<std::unique_ptr<QueueStore>> QueueStore::open(const std::filesystem::path& stateDirectory,
                                                     QueueStoreOptions options)
{
    if (options.retainedEntries == 0)
        return makeError(ErrorCode::InvalidParameter, "store.retained_entries", "at least one entry must be kept");
    auto file = openStateFile(stateDirectory, kFileName, options.access, options.sync ? TDB_DEFAULT : TDB_NOSYNC,
                              kLargeHashSize);
    if (!file)
        return file.error();
    // Once queues are full, every entry appended deletes the oldest one.
    file->keepDeadRecords(kDeadRecordsPerChain);
    auto impl = std::make_unique<Impl>(std::move(*file), options);
    if (Status known = impl->checkFormat(stateDirectory / kFileName); !known)
        return known.error();
    return std::unique_ptr<QueueStore>(new QueueStore(std::move(impl)));
}

const QueueStoreOptions& QueueStore::options() const
{
    return impl_->options;
}

Status QueueStore::write(const std::function<Status(Batch&)>& body)
{
    const std::lock_guard lock(impl_->mutex);
    if (!impl_->window) {
        DuplicateWindow window(impl_->options.duplicates);
        if (Status loaded = impl_->walkState({}, [&](Generation g) { window.load(std::move(g)); }); !loaded)
            return loaded;
        impl_->window = std::move(window);
    }
    const std::int64_t now = wallClockMs();
    const DuplicateWindow::Turn turn = impl_->window->begin(now);
    std::vector<std::function<void()>> callbacks;
    std::vector<std::uint64_t> seen;
    Status written = impl_->transact([&](Impl::Growth& growth) -> Status {
        Batch batch(*impl_, impl_->options.retainedEntries, turn, now);
        if (Status done = body(batch); !done)
            return done;
        callbacks = batch.takeCallbacks();
        seen = batch.changes().seen;
        return impl_->apply({&batch.changes()}, std::nullopt, growth);
    });
    if (!written)
        return written;
    impl_->window->commit(turn, seen, now);
    for (const auto& callback : callbacks)
        callback();
    return {};
}

Status QueueStore::apply(const std::vector<const Changes*>& batches, std::optional<JournalPosition> appliedThrough)
{
    const std::lock_guard lock(impl_->mutex);
    return impl_->transact([&](Impl::Growth& growth) { return impl_->apply(batches, appliedThrough, growth); });
}

Result<std::optional<JournalPosition>> QueueStore::journalPosition()
{
    const std::lock_guard lock(impl_->mutex);
    auto record = impl_->file.fetch(keys::journal());
    if (!record)
        return record.error();
    if (!*record)
        return std::optional<JournalPosition>();
    auto position = decodePosition(**record, keys::journal());
    if (!position)
        return position.error();
    return std::optional<JournalPosition>(*position);
}

Result<QueueState> QueueStore::state(const QueueKey& queue)
{
    const std::lock_guard lock(impl_->mutex);
    return impl_->queue(queue);
}

Result<std::vector<QueueEntry>> QueueStore::read(const QueueKey& queue, std::uint64_t from, std::size_t max)
{
    auto read = slice(queue, from, max);
    if (!read)
        return read.error();
    return std::move(read->entries);
}

Result<QueueStore::Slice> QueueStore::slice(const QueueKey& queue, std::uint64_t from, std::size_t max)
{
    const std::lock_guard lock(impl_->mutex);
    auto state = impl_->queue(queue);
    if (!state)
        return state.error();
    Slice out{*state, {}};
    std::uint64_t sequence = std::max(from, state->first);
    while (sequence < state->next && out.entries.size() < max) {
        auto run = impl_->runHolding(queue, sequence);
        if (!run)
            return run.error();
        if (!*run) {
            // Trimmed by a writer since the state was read: the window moved on.
            auto now = impl_->queue(queue);
            if (!now)
                return now.error();
            sequence = std::max(sequence + 1, now->first);
            continue;
        }
        for (QueueEntry& entry : **run) {
            if (entry.sequence >= sequence && entry.sequence < state->next && out.entries.size() < max)
                out.entries.push_back(std::move(entry));
        }
        sequence = (*run)->back().sequence + 1;
    }
    return out;
}

bool QueueStore::isFormat1() const
{
    return impl_->format1;
}

Status QueueStore::migrateFormat1()
{
    const std::lock_guard lock(impl_->mutex);
    if (!impl_->format1)
        return {};
    // Read first, write after: the old message index gives each MID its URI.
    std::map<std::string, std::string> runs;
    std::map<std::string, std::string> uris; // format-1 MID key -> URI
    std::vector<std::string> index;
    Status read = impl_->file.traverse([&](std::string_view key, std::string_view value) {
        if (!key.empty() && key[0] == 'e')
            runs.emplace(key, value);
        if (keys::isFormat1MessageIndex(key)) {
            index.emplace_back(key);
            if (key[0] == 'M')
                uris.emplace(key, value);
        }
        return true;
    });
    if (!read)
        return read;
    Status migrated = impl_->file.transact([&]() -> Status {
        for (const auto& [key, value] : runs) {
            QueueKey queue;
            if (!keys::parseQueue(key, queue))
                return makeError(ErrorCode::InternalError, {}, "store.tdb: a queue entry key of format 1 is damaged");
            auto run = decodeFormat1Run(value, key, [&](Mid mid) {
                auto found = uris.find(keys::format1MessageById(queue.user, mid));
                return found == uris.end() ? std::string() : found->second;
            });
            if (!run)
                return run.error();
            if (Status s = impl_->file.store(key, encodeRun(*run), TdbFile::StoreMode::Replace); !s)
                return s;
        }
        for (const std::string& key : index) {
            if (auto removed = impl_->file.remove(key); !removed)
                return removed.error();
        }
        return impl_->file.store(keys::format(), encodeNumber(kStoreFormat), TdbFile::StoreMode::Replace);
    });
    if (migrated)
        impl_->format1 = false;
    return migrated;
}

Status QueueStore::visitQueues(const std::function<void(const QueueKey&, const QueueState&)>& visit)
{
    const std::lock_guard lock(impl_->mutex);
    return impl_->walkState(visit, {});
}

Status QueueStore::countQueues(const std::function<void(const QueueKey&, const QueueState&)>& visit,
                               const std::function<void(Generation)>& generation)
{
    // Under the lock that write() takes, so no commit falls between the walk
    // and the first count it moves.
    const std::lock_guard lock(impl_->mutex);
    Totals walked;
    Status status = impl_->walkState(
        [&](const QueueKey& key, const QueueState& state) {
            ++walked.queues;
            walked.entries += state.next - state.first;
            if (visit)
                visit(key, state);
        },
        generation);
    if (!status)
        return status;
    impl_->queueCount = walked.queues;
    impl_->entryCount = walked.entries;
    impl_->counted = true;
    return {};
}

std::optional<QueueStore::Totals> QueueStore::totals() const
{
    if (!impl_->counted)
        return std::nullopt;
    return Totals{impl_->queueCount.load(), impl_->entryCount.load()};
}

Status QueueStore::visitGenerations(const std::function<void(Generation)>& visit)
{
    const std::lock_guard lock(impl_->mutex);
    return impl_->walkState({}, visit);
}

} // namespace ocs::store
