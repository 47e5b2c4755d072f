// Which messages were reported recently: a message URI seen again within
// the window makes its event a duplicate. The window is bounded both in time
// and in messages, so neither memory nor the store grows with every message
// ever reported.
//
// Messages are kept as 64-bit digests, in generations of up to
// kGenerationSize: a generation is one store.tdb record (`d`, its number),
// appended to while it is the newest and deleted whole once it leaves the
// window. Writers (the daemon's commit thread) keep the window in memory;
// store.tdb keeps the generations so that a restart keeps the window.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace ocs::store {

// The digest a message URI is kept as (the first 8 bytes of its SHA-256):
// two different URIs within a window of a million share one with a
// probability of about 1 in 10^13.
std::uint64_t messageDigest(std::string_view uri);

struct DuplicateWindowOptions {
    std::chrono::seconds duration{3600};
    std::size_t maxMessages = 1000000;
};

// One generation as store.tdb keeps it.
struct Generation {
    std::uint64_t number = 0;
    std::int64_t firstMs = 0; // when its first and last message were seen
    std::int64_t lastMs = 0;
    std::vector<std::uint64_t> digests;
};

class DuplicateWindow {
  public:
    static constexpr std::size_t kGenerationSize = 4096;

    explicit DuplicateWindow(DuplicateWindowOptions options = {});

    bool contains(std::uint64_t digest) const;

    // What a batch written at `nowMs` does with the window: the generation
    // its new messages join, and the generations it deletes from store.tdb
    // (out of the window; no longer in memory from here on).
    struct Turn {
        std::uint64_t generation = 0;
        std::vector<std::uint64_t> expired;
    };
    Turn begin(std::int64_t nowMs);
    // The batch that began with `turn` is durable: its messages are in the
    // window, its deletions done.
    void commit(const Turn& turn, const std::vector<std::uint64_t>& digests, std::int64_t nowMs);

    // At start, each generation store.tdb holds, in any order.
    void load(Generation generation);

    std::size_t size() const { return digests_.size(); }

  private:
    struct Held {
        std::uint64_t number;
        std::int64_t firstMs;
        std::int64_t lastMs;
        std::vector<std::uint64_t> digests;
    };
    void expire(std::int64_t nowMs);
    void drop();

    DuplicateWindowOptions options_;
    std::deque<Held> generations_; // oldest first
    std::unordered_set<std::uint64_t> digests_;
    std::vector<std::uint64_t> expired_; // dropped here, not yet deleted from store.tdb
    std::uint64_t nextNumber_ = 1;
};

} // namespace ocs::store
