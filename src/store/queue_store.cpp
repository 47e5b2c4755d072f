#include "store/queue_store.hpp"

#include "store/records.hpp"

#include <tdb.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>

namespace ocs::store {
namespace {

constexpr std::string_view kFileName = "store.tdb";
constexpr int kDeadRecordsPerChain = 5;

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

    Result<std::optional<std::uint64_t>> number(const std::string& key)
    {
        auto record = file.fetch(key);
        if (!record)
            return record.error();
        if (!*record)
            return std::optional<std::uint64_t>();
        auto value = decodeNumber(**record, key);
        if (!value)
            return value.error();
        return std::optional<std::uint64_t>(*value);
    }

    Result<std::optional<Mid>> message(const std::string& user, const std::string& uri) override
    {
        return number(keys::messageByUri(user, uri));
    }

    Result<std::uint64_t> nextCounter() override
    {
        auto stored = number(keys::counter());
        if (!stored)
            return stored.error();
        return stored->value_or(1);
    }

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

    // Every queue's window; the caller holds the mutex.
    Status walkQueues(const std::function<void(const QueueKey&, const QueueState&)>& visit)
    {
        Status failure;
        Status walked = file.traverse([&](std::string_view key, std::string_view value) {
            QueueKey queue;
            if (key.empty() || key[0] != 'q' || !keys::parseQueue(key, queue))
                return true;
            auto state = decodeQueueState(value, key);
            if (!state)
                failure = state.error();
            else
                visit(queue, *state);
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

    // A record a batch applied again finds there already, as it wrote it:
    // message ids are allocated once, never rewritten.
    Status insertOnce(const std::string& key, std::string_view value)
    {
        Status inserted = file.store(key, value, TdbFile::StoreMode::Insert);
        if (inserted)
            return inserted;
        auto held = file.fetch(key);
        if (held && *held && **held == value)
            return {};
        return inserted;
    }

    // Appends the new entries of each queue to its pages, each page written
    // once. Entries a page holds already (a batch applied again) and entries
    // already out of the window are left out.
    Status appendEntries(const std::vector<const Changes*>& batches, const std::map<QueueKey, QueueState>& queues)
    {
        std::map<std::pair<QueueKey, std::uint64_t>, std::vector<const QueueEntry*>> pages;
        for (const Changes* changes : batches) {
            for (const auto& [queue, entry] : changes->entries) {
                if (entry.sequence >= queues.at(queue).first)
                    pages[{queue, entryPage(entry.sequence)}].push_back(&entry);
            }
        }
        for (const auto& [where, entries] : pages) {
            const std::string key = keys::entry(where.first, entries.front()->sequence);
            auto stored = file.fetch(key);
            if (!stored)
                return stored.error();
            std::vector<QueueEntry> held;
            if (*stored) {
                auto decoded = decodePage(**stored, key);
                if (!decoded)
                    return decoded.error();
                held = std::move(*decoded);
            }
            const std::uint64_t last = held.empty() ? 0 : held.back().sequence;
            // What falls out of the window goes (the new entries may start
            // past a gap of entries that never got in).
            const std::uint64_t first = queues.at(where.first).first;
            held.erase(held.begin(), std::find_if(held.begin(), held.end(),
                                                  [&](const QueueEntry& e) { return e.sequence >= first; }));
            bool appended = false;
            for (const QueueEntry* entry : entries) {
                if (entry->sequence > last) {
                    held.push_back(*entry);
                    appended = true;
                }
            }
            if (!appended)
                continue;
            if (Status s = file.store(key, encodePage(held), TdbFile::StoreMode::Replace); !s)
                return s;
        }
        return {};
    }

    // Writes the format record into a new store.tdb; refuses one written
    // in another format.
    Status checkFormat(Access access)
    {
        auto format = number(keys::format());
        if (!format)
            return format.error();
        if (*format == kStoreFormat)
            return {};
        if (*format)
            return makeError(ErrorCode::InternalError, {},
                             file.path().string() + ": store format " + std::to_string(**format) +
                                 ", this version reads format " + std::to_string(kStoreFormat) +
                                 ": written by a later version?");
        // Any other record: the store was written before formats were kept
        // (or another process has just created it: the record is there now).
        bool written = false;
        if (Status walked = file.traverse([&](std::string_view key, std::string_view) {
                written = key != keys::format();
                return !written;
            });
            !walked)
            return walked;
        auto now = number(keys::format());
        if (!now)
            return now.error();
        if (written && *now != kStoreFormat)
            return makeError(ErrorCode::InternalError, {},
                             file.path().string() +
                                 ": written by an earlier version, which kept queue entries one per record; this "
                                 "version cannot read them. Stop the daemon and move store.tdb (and the journal "
                                 "directory) aside: queues and message ids start afresh.");
        if (access == Access::ReadOnly || *now == kStoreFormat)
            return {};
        return file.transact(
            [&] { return file.store(keys::format(), encodeNumber(kStoreFormat), TdbFile::StoreMode::Replace); });
    }

    // Inside a transaction. Entries that fall out of a queue's window by
    // the end of these batches are deleted, or never written.
    Status apply(const std::vector<const Changes*>& batches, std::optional<JournalPosition> appliedThrough,
                 Growth& growth)
    {
        std::optional<std::uint64_t> counter;
        std::map<QueueKey, QueueState> queues;
        for (const Changes* changes : batches) {
            if (changes->counter)
                counter = std::max(counter.value_or(0), *changes->counter);
            for (const auto& [queue, state] : changes->queues)
                queues[queue] = state;
            for (const IndexedMessage& m : changes->messages) {
                if (Status s = insertOnce(keys::messageByUri(m.user, m.uri), encodeNumber(m.mid)); !s)
                    return s;
                if (Status s = insertOnce(keys::messageById(m.user, m.mid), m.uri); !s)
                    return s;
            }
        }
        if (Status s = appendEntries(batches, queues); !s)
            return s;
        for (const auto& [key, state] : queues) {
            auto before = queue(key);
            if (!before)
                return before.error();
            // A stored queue always holds at least one entry: an empty window read back is a new queue.
            growth.queues += before->empty() ? 1 : 0;
            growth.entries += (state.next - state.first) - (before->next - before->first);
            // Records whose every entry fell out of the window go.
            for (std::uint64_t page = entryPage(before->first);
                 !before->empty() && page <= entryPage(before->next - 1) && (page + 1) * kEntriesPerPage < state.first;
                 ++page) {
                if (auto removed = file.remove(keys::entry(key, page * kEntriesPerPage + 1)); !removed)
                    return removed.error();
            }
            if (Status s = file.store(keys::queue(key), encodeQueueState(state), TdbFile::StoreMode::Replace); !s)
                return s;
        }
        if (counter) {
            auto stored = number(keys::counter());
            if (!stored)
                return stored.error();
            if (Status s = file.store(keys::counter(), encodeNumber(std::max(*counter, stored->value_or(1))),
                                      TdbFile::StoreMode::Replace);
                !s)
                return s;
        }
        if (appliedThrough)
            return file.store(keys::journal(), encodePosition(*appliedThrough), TdbFile::StoreMode::Replace);
        return {};
    }
};

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
    // Once queues are full, every page filled deletes the oldest one.
    file->keepDeadRecords(kDeadRecordsPerChain);
    auto impl = std::make_unique<Impl>(std::move(*file), options);
    if (Status s = impl->checkFormat(options.access); !s)
        return s.error();
    return std::unique_ptr<QueueStore>(new QueueStore(std::move(impl)));
}

const QueueStoreOptions& QueueStore::options() const
{
    return impl_->options;
}

Status QueueStore::write(const std::function<Status(Batch&)>& body)
{
    const std::lock_guard lock(impl_->mutex);
    std::vector<std::function<void()>> callbacks;
    Status written = impl_->transact([&](Impl::Growth& growth) -> Status {
        Batch batch(*impl_, impl_->options.replicaId, impl_->options.retainedEntries);
        if (Status done = body(batch); !done)
            return done;
        callbacks = batch.takeCallbacks();
        return impl_->apply({&batch.changes()}, std::nullopt, growth);
    });
    if (!written)
        return written;
    for (const auto& callback : callbacks)
        callback();
    return {};
}

Status QueueStore::apply(const std::vector<const Changes*>& batches, std::optional<JournalPosition> appliedThrough)
{
    const std::lock_guard lock(impl_->mutex);
    return impl_->transact(
        [&](Impl::Growth& growth) { return impl_->apply(batches, appliedThrough, growth); });
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
    const std::uint64_t start = std::max(from, state->first);
    for (std::uint64_t page = entryPage(std::max<std::uint64_t>(start, 1));
         start < state->next && page <= entryPage(state->next - 1) && out.entries.size() < max; ++page) {
        const std::string key = keys::entry(queue, page * kEntriesPerPage + 1);
        auto record = impl_->file.fetch(key);
        if (!record)
            return record.error();
        // Trimmed by a writer since the state was read: the window moved on.
        if (!*record)
            continue;
        auto entries = decodePage(**record, key);
        if (!entries)
            return entries.error();
        for (QueueEntry& entry : *entries) {
            if (entry.sequence >= start && entry.sequence < state->next && out.entries.size() < max)
                out.entries.push_back(std::move(entry));
        }
    }
    return out;
}

Result<std::uint64_t> QueueStore::nextCounter()
{
    const std::lock_guard lock(impl_->mutex);
    return impl_->nextCounter();
}

Result<std::optional<Mid>> QueueStore::messageId(const std::string& user, const std::string& uri)
{
    const std::lock_guard lock(impl_->mutex);
    return impl_->number(keys::messageByUri(user, uri));
}

Result<std::optional<std::string>> QueueStore::messageUri(const std::string& user, Mid mid)
{
    const std::lock_guard lock(impl_->mutex);
    return impl_->file.fetch(keys::messageById(user, mid));
}

Status QueueStore::visitQueues(const std::function<void(const QueueKey&, const QueueState&)>& visit)
{
    const std::lock_guard lock(impl_->mutex);
    return impl_->walkQueues(visit);
}

Status QueueStore::countQueues(const std::function<void(const QueueKey&, const QueueState&)>& visit)
{
    // Under the lock that write() takes, so no commit falls between the walk
    // and the first count it moves.
    const std::lock_guard lock(impl_->mutex);
    Totals walked;
    Status status = impl_->walkQueues([&](const QueueKey& key, const QueueState& state) {
        ++walked.queues;
        walked.entries += state.next - state.first;
        if (visit)
            visit(key, state);
    });
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

Status QueueStore::visitMessages(const std::function<void(const std::string&, const std::string&, Mid)>& visit)
{
    const std::lock_guard lock(impl_->mutex);
    Status failure;
    Status walked = impl_->file.traverse([&](std::string_view key, std::string_view value) {
        if (key.size() < 2 || key[0] != 'm' || key[1] != keys::kSeparator)
            return true;
        const auto userEnd = key.find(keys::kSeparator, 2);
        auto mid = decodeNumber(value, key);
        if (userEnd == std::string_view::npos || !mid) {
            failure = mid ? Status(makeError(ErrorCode::InternalError, {}, "bad message key")) : mid.error();
            return false;
        }
        visit(std::string(key.substr(2, userEnd - 2)), std::string(key.substr(userEnd + 1)), *mid);
        return true;
    });
    return walked ? failure : walked;
}

} // namespace ocs::store
