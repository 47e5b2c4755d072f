#include "store/queue_store.hpp"

#include "store/records.hpp"

#include <tdb.h>

#include <atomic>
#include <mutex>

namespace ocs::store {
namespace {

constexpr std::string_view kFileName = "store.tdb";

} // namespace

struct QueueStore::Impl {
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

    Result<QueueState> queueState(const QueueKey& queue)
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
};

// What a batch changes is kept here and written once, before the commit:
// the counter and each queue's state are stored once per batch, not once
// per event.
struct QueueStore::Batch::Impl {
    explicit Impl(QueueStore::Impl& s) : store(s) {}

    QueueStore::Impl& store;
    std::optional<std::uint64_t> counter; // the next global counter, once read
    std::map<QueueKey, QueueState> queues;
    std::map<QueueKey, QueueState> before; // the windows as read, for the totals

    Result<Mid> allocate()
    {
        if (!counter) {
            auto stored = store.number(keys::counter());
            if (!stored)
                return stored.error();
            counter = stored->value_or(1);
        }
        if (*counter > kMaxGlobalCounter)
            return makeError(ErrorCode::InternalError, {}, "the 48-bit message id counter is exhausted");
        return makeMapiId((*counter)++, store.options.replicaId);
    }

    Result<QueueState*> queue(const QueueKey& key)
    {
        auto found = queues.find(key);
        if (found != queues.end())
            return &found->second;
        auto state = store.queueState(key);
        if (!state)
            return state.error();
        before.emplace(key, *state);
        return &queues.emplace(key, *state).first->second;
    }

    // After the commit. A stored queue always holds at least one entry, so
    // an empty window read back means the queue is new.
    void count() const
    {
        if (!store.counted)
            return;
        for (const auto& [key, after] : queues) {
            const QueueState& was = before.at(key);
            if (was.empty())
                ++store.queueCount;
            // Unsigned wrap-around subtracts when a lowered
            // store.retained_entries trimmed more than was appended.
            store.entryCount += (after.next - after.first) - (was.next - was.first);
        }
    }

    Status flush()
    {
        if (counter) {
            if (Status s = store.file.store(keys::counter(), encodeNumber(*counter), TdbFile::StoreMode::Replace); !s)
                return s;
        }
        for (const auto& [key, state] : queues) {
            if (Status s = store.file.store(keys::queue(key), encodeQueueState(state), TdbFile::StoreMode::Replace);
                !s)
                return s;
        }
        return {};
    }
};

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
    return std::unique_ptr<QueueStore>(new QueueStore(std::make_unique<Impl>(std::move(*file), options)));
}

Result<std::pair<Mid, bool>> QueueStore::Batch::indexMessage(const std::string& user, const std::string& uri)
{
    auto known = findMessage(user, uri);
    if (!known)
        return known.error();
    if (*known)
        return std::make_pair(**known, false);
    auto mid = impl_.allocate();
    if (!mid)
        return mid.error();
    TdbFile& file = impl_.store.file;
    if (Status s = file.store(keys::messageByUri(user, uri), encodeNumber(*mid), TdbFile::StoreMode::Insert); !s)
        return s.error();
    if (Status s = file.store(keys::messageById(user, *mid), uri, TdbFile::StoreMode::Insert); !s)
        return s.error();
    return std::make_pair(*mid, true);
}

Result<std::optional<Mid>> QueueStore::Batch::findMessage(const std::string& user, const std::string& uri)
{
    return impl_.store.number(keys::messageByUri(user, uri));
}

Result<std::uint64_t> QueueStore::Batch::append(const QueueKey& queue, QueueEntry entry)
{
    auto state = impl_.queue(queue);
    if (!state)
        return state.error();
    QueueState& s = **state;
    entry.sequence = s.next++;
    TdbFile& file = impl_.store.file;
    if (Status stored = file.store(keys::entry(queue, entry.sequence), encodeEntry(entry), TdbFile::StoreMode::Replace);
        !stored)
        return stored.error();
    while (s.next - s.first > impl_.store.options.retainedEntries) {
        if (auto removed = file.remove(keys::entry(queue, s.first)); !removed)
            return removed.error();
        ++s.first;
    }
    return entry.sequence;
}

Status QueueStore::write(const std::function<Status(Batch&)>& body)
{
    const std::lock_guard lock(impl_->mutex);
    auto transaction = TdbFile::Transaction::begin(impl_->file);
    if (!transaction)
        return transaction.error();
    Batch::Impl changes(*impl_);
    Batch batch(changes);
    if (Status done = body(batch); !done)
        return done;
    if (Status flushed = changes.flush(); !flushed)
        return flushed;
    Status committed = transaction->commit();
    if (committed)
        changes.count();
    return committed;
}

Result<QueueState> QueueStore::state(const QueueKey& queue)
{
    const std::lock_guard lock(impl_->mutex);
    return impl_->queueState(queue);
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
    auto state = impl_->queueState(queue);
    if (!state)
        return state.error();
    Slice out{*state, {}};
    for (std::uint64_t sequence = std::max(from, state->first); sequence < state->next && out.entries.size() < max;
         ++sequence) {
        const std::string key = keys::entry(queue, sequence);
        auto record = impl_->file.fetch(key);
        if (!record)
            return record.error();
        // Trimmed by a writer since the state was read: the window moved on.
        if (!*record)
            continue;
        auto entry = decodeEntry(**record, key);
        if (!entry)
            return entry.error();
        out.entries.push_back(std::move(*entry));
    }
    return out;
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

Status QueueStore::countQueues()
{
    // Under the lock that write() takes, so no commit falls between the walk
    // and the first count it moves.
    const std::lock_guard lock(impl_->mutex);
    Totals walked;
    Status status = impl_->walkQueues([&](const QueueKey&, const QueueState& state) {
        ++walked.queues;
        walked.entries += state.next - state.first;
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
