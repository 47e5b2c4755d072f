// The message index and the queues (store.tdb): what the daemon writes for
// each event and the client module reads per MAPI session. Written only in
// batches, each one TDB transaction: an event's index entries and queue
// entries become visible, and durable, together or not at all.
#pragma once

#include "common/result.hpp"
#include "store/model.hpp"
#include "store/state_directory.hpp"

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ocs::store {

struct QueueStoreOptions {
    Access access = Access::ReadWrite;
    bool sync = true;                  // fsync every commit (false: TDB_NOSYNC)
    std::uint16_t replicaId = 1;       // of every MID allocated here
    std::uint64_t retainedEntries = 1000; // per queue; older entries are dropped
};

// Thread-safe (one lock around the single TDB handle); other processes may
// read while a batch is written.
class QueueStore {
public:
    static Result<std::unique_ptr<QueueStore>> open(const std::filesystem::path& stateDirectory,
                                                    QueueStoreOptions options = {});
    ~QueueStore();

    // What a batch may do; valid only inside write().
    class Batch {
    public:
        // The message's id for this user, allocated on first sight; the bool
        // says whether it was allocated now.
        Result<std::pair<Mid, bool>> indexMessage(const std::string& user, const std::string& uri);
        Result<std::optional<Mid>> findMessage(const std::string& user, const std::string& uri);
        // Appends with the queue's next sequence (returned), dropping what
        // falls out of the retained window.
        Result<std::uint64_t> append(const QueueKey& queue, QueueEntry entry);

    private:
        friend class QueueStore;
        struct Impl;
        explicit Batch(Impl& impl) : impl_(impl) {}
        Impl& impl_;
    };

    // One transaction: commits (durably, unless sync is off) when body
    // succeeds, leaves no trace when it fails.
    Status write(const std::function<Status(Batch&)>& body);

    Result<QueueState> state(const QueueKey& queue);
    // Up to `max` entries from sequence `from` on (clamped to the window).
    Result<std::vector<QueueEntry>> read(const QueueKey& queue, std::uint64_t from, std::size_t max);
    // The same, with the window the entries were read from.
    struct Slice {
        QueueState window;
        std::vector<QueueEntry> entries;
    };
    Result<Slice> slice(const QueueKey& queue, std::uint64_t from, std::size_t max);
    Result<std::optional<Mid>> messageId(const std::string& user, const std::string& uri);
    Result<std::optional<std::string>> messageUri(const std::string& user, Mid mid);

    // Queues in the file, and the entries retained across them.
    struct Totals {
        std::uint64_t queues = 0;
        std::uint64_t entries = 0;
    };
    // Counts them with one walk of the file; from then on every write()
    // through this handle keeps the totals up to date. Exact while this
    // handle is the only writer of store.tdb (the daemon's commit writer).
    Status countQueues();
    // Unknown until countQueues() has run. Two atomic reads: no lock.
    std::optional<Totals> totals() const;

    // Walks the file (tools, countQueues).
    Status visitQueues(const std::function<void(const QueueKey&, const QueueState&)>& visit);
    Status visitMessages(const std::function<void(const std::string& user, const std::string& uri, Mid)>& visit);

private:
    struct Impl;
    explicit QueueStore(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

} // namespace ocs::store
