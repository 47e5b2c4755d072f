// The queues and the duplicate window (store.tdb): what the daemon writes
// for each event and the client module reads per MAPI session. Written only
// in batches, each applied in one TDB transaction: a batch's entries become
// visible together or not at all. The daemon writes
// through the journal (queue_writer.hpp); write() is the direct way, one
// durable transaction per batch.
#pragma once

#include "common/result.hpp"
#include "store/batch.hpp"
#include "store/journal.hpp"
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
    bool sync = true;                     // fsync every commit (false: TDB_NOSYNC)
    std::uint64_t retainedEntries = 1000; // per queue; older entries are dropped
    DuplicateWindowOptions duplicates;
    // Open a store.tdb of format 1 (before entries named messages by URI)
    // for migrateFormat1(); otherwise it is refused with advice.
    bool openFormat1 = false;
};

// Thread-safe (one lock around the single TDB handle); other processes may
// read while a batch is written.
class QueueStore : public BatchWriter {
  public:
    static Result<std::unique_ptr<QueueStore>> open(const std::filesystem::path& stateDirectory,
                                                    QueueStoreOptions options = {});
    ~QueueStore() override;

    const QueueStoreOptions& options() const;

    // One transaction: commits (durably, unless sync is off) when body
    // succeeds, leaves no trace when it fails.
    Status write(const std::function<Status(Batch&)>& body) override;

    // Applies batches written before, in order, in one transaction, and
    // records how far the journal they came from has been applied.
    Status apply(const std::vector<const Changes*>& batches, std::optional<JournalPosition> appliedThrough);
    // How far the journal has been applied (none: never).
    Result<std::optional<JournalPosition>> journalPosition();

    Result<QueueState> state(const QueueKey& queue);
    // Up to `max` entries from sequence `from` on (clamped to the window).
    Result<std::vector<QueueEntry>> read(const QueueKey& queue, std::uint64_t from, std::size_t max);
    // The same, with the window the entries were read from.
    struct Slice {
        QueueState window;
        std::vector<QueueEntry> entries;
    };
    Result<Slice> slice(const QueueKey& queue, std::uint64_t from, std::size_t max);
    // Whether the file is of format 1 (only with openFormat1), and its
    // migration: every entry's message ids replaced by the URIs the
    // daemon's message index held for them, the index deleted, in one
    // transaction. The journal must have been applied wholly before.
    bool isFormat1() const;
    Status migrateFormat1();

    // Queues in the file, and the entries retained across them.
    struct Totals {
        std::uint64_t queues = 0;
        std::uint64_t entries = 0;
    };
    // Counts them with one walk of the file, handing each queue to `visit`
    // on the way; from then on every transaction through this handle keeps
    // the totals up to date. Exact while this handle is the only writer of
    // store.tdb (the daemon's).
    // `generation` is given the duplicate window's generations on the way.
    Status countQueues(const std::function<void(const QueueKey&, const QueueState&)>& visit = {},
                       const std::function<void(Generation)>& generation = {});
    // Unknown until countQueues() has run. Two atomic reads: no lock.
    std::optional<Totals> totals() const;

    // Walks the file (tools, countQueues).
    Status visitQueues(const std::function<void(const QueueKey&, const QueueState&)>& visit);
    Status visitGenerations(const std::function<void(Generation)>& visit);

  private:
    struct Impl;
    explicit QueueStore(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

} // namespace ocs::store
