// Which messages the index may already hold, without reading store.tdb: a
// Bloom filter over (user, URI), grown by adding a layer twice as large each
// time the newest is full. "No" is certain, so a new message (the common
// case) costs no store read; "maybe" is settled by reading the index.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace ocs::store {

class MessageFilter {
  public:
    // About 0.01 % false "maybe" answers per full layer, at 20 bits and 14
    // probes per message (2.5 MB for a million messages): each false
    // "maybe" costs the commit a read of store.tdb, which waits while the
    // applier holds store.tdb for a transaction, and every request of that
    // commit with it.
    explicit MessageFilter(std::size_t expectedMessages = 0);

    void add(std::string_view user, std::string_view uri);
    bool mayContain(std::string_view user, std::string_view uri) const;

    std::size_t bytes() const;

  private:
    struct Layer {
        std::vector<std::uint64_t> bits;
        std::size_t capacity = 0;
        std::size_t count = 0;
    };
    void addLayer(std::size_t capacity);

    std::vector<Layer> layers_;
};

} // namespace ocs::store
