// One group commit's writes to the message index and the queues, gathered
// before anything is written: what the journal records and what store.tdb
// then applies in one transaction.
#pragma once

#include "common/result.hpp"
#include "store/model.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ocs::store {

struct IndexedMessage {
    std::string user;
    std::string uri;
    Mid mid = 0;
};

// What a batch changes. Applying it twice leaves the same store as once.
struct Changes {
    std::optional<std::uint64_t> counter; // the next global counter
    std::vector<IndexedMessage> messages; // first seen in this batch
    std::vector<std::pair<QueueKey, QueueEntry>> entries;
    std::map<QueueKey, QueueState> queues; // each touched queue afterwards

    bool empty() const { return !counter && messages.empty() && entries.empty() && queues.empty(); }
};

// What a batch reads: the store, plus whatever has been written but not yet
// applied to it.
class StoreView {
  public:
    virtual ~StoreView() = default;
    virtual Result<std::optional<Mid>> message(const std::string& user, const std::string& uri) = 0;
    virtual Result<QueueState> queue(const QueueKey& queue) = 0;
    virtual Result<std::uint64_t> nextCounter() = 0; // the global counter of the next MID
};

class Batch {
  public:
    Batch(StoreView& view, std::uint16_t replicaId, std::uint64_t retainedEntries)
        : view_(view), replicaId_(replicaId), retained_(retainedEntries)
    {
    }

    // The message's id for this user, allocated on first sight; the bool
    // says whether it was allocated now.
    Result<std::pair<Mid, bool>> indexMessage(const std::string& user, const std::string& uri);
    Result<std::optional<Mid>> findMessage(const std::string& user, const std::string& uri);
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
    std::uint16_t replicaId_;
    std::uint64_t retained_;
    Changes changes_;
    std::map<std::pair<std::string, std::string>, Mid> indexed_; // in this batch
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
