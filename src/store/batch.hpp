// One group commit's writes to the queues and the duplicate window, gathered
// before anything is written: what the journal records and what store.tdb
// then applies in one transaction.
#pragma once

#include "common/result.hpp"
#include "store/duplicate_window.hpp"
#include "store/model.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

namespace ocs::store {

// What a batch changes. Applying it twice leaves the same store as once.
struct Changes {
    std::vector<std::pair<QueueKey, QueueEntry>> entries;
    std::map<QueueKey, QueueState> queues; // each touched queue afterwards
    // The duplicate window: messages first seen in this batch, at seenMs,
    // join generation `generation`; the `expired` generations are deleted.
    std::uint64_t generation = 0;
    std::int64_t seenMs = 0;
    std::vector<std::uint64_t> seen;
    std::vector<std::uint64_t> expired;

    bool empty() const { return entries.empty() && queues.empty() && seen.empty() && expired.empty(); }
};

// What a batch reads: the store, plus whatever has been written but not yet
// applied to it.
class StoreView {
  public:
    virtual ~StoreView() = default;
    virtual Result<QueueState> queue(const QueueKey& queue) = 0;
    // Whether the message digest is in the duplicate window.
    virtual bool recentlySeen(std::uint64_t digest) = 0;
};

class Batch {
  public:
    Batch(StoreView& view, std::uint64_t retainedEntries, const DuplicateWindow::Turn& turn, std::int64_t nowMs)
        : view_(view), retained_(retainedEntries)
    {
        changes_.generation = turn.generation;
        changes_.expired = turn.expired;
        changes_.seenMs = nowMs;
    }

    // Whether the message URI is new to the duplicate window; it is in the
    // window from now on.
    bool firstSighting(std::string_view uri);
    // Appends with the queue's next sequence (returned); what falls out of
    // the retained window goes when the batch is applied.
    Result<std::uint64_t> append(const QueueKey& queue, QueueEntry entry);
    // Runs once the batch's entries can be read from store.tdb (by the
    // client module in another process): wake-ups and pushes.
    void whenVisible(std::function<void()> callback) { visible_.push_back(std::move(callback)); }

    const Changes& changes() const { return changes_; }
    Changes takeChanges() { return std::move(changes_); }
    std::vector<std::function<void()>> takeCallbacks() { return std::move(visible_); }

  private:
    StoreView& view_;
    std::uint64_t retained_;
    Changes changes_;
    std::unordered_set<std::uint64_t> seen_; // in this batch
    std::vector<std::function<void()>> visible_;
};

// Something that runs a batch and makes it durable: the store itself (one
// transaction) or the journaled writer in front of it.
class BatchWriter {
  public:
    virtual ~BatchWriter() = default;
    // Durable when this returns successfully; nothing of the batch is kept
    // when body or the write fails.
    virtual Status write(const std::function<Status(Batch&)>& body) = 0;
};

} // namespace ocs::store
