// A bounded map whose entries expire: the store of challenges and sessions.
// Every entry of one table lives equally long and the clock is monotonic,
// so insertion order is expiry order: expired entries and, when the table is
// full, the oldest ones are all found at the front. Not thread-safe: the
// Authenticator holds its lock around every call.
#pragma once

#include "common/clock.hpp"

#include <cstddef>
#include <list>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

namespace ocs::auth {

template <typename Value> class ExpiringTable {
  public:
    using TimePoint = Clock::Steady::time_point;

    explicit ExpiringTable(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

    // Drops expired entries first, then the oldest, to make room.
    void insert(const std::string& key, Value value, TimePoint expires, TimePoint now)
    {
        erase(key);
        pruneExpired(now);
        while (entries_.size() >= capacity_)
            remove(entries_.find(order_.front()));
        order_.push_back(key);
        entries_.emplace(key, Entry{std::move(value), expires, std::prev(order_.end())});
    }

    // The live entry under `key`; an expired one is removed on the way.
    Value* find(const std::string& key, TimePoint now)
    {
        const auto found = entries_.find(key);
        if (found == entries_.end())
            return nullptr;
        if (isExpired(found->second, now)) {
            remove(found);
            return nullptr;
        }
        return &found->second.value;
    }

    // Removes the entry and gives it back if it was still live.
    std::optional<Value> take(const std::string& key, TimePoint now)
    {
        const auto found = entries_.find(key);
        if (found == entries_.end())
            return std::nullopt;
        std::optional<Value> value;
        if (!isExpired(found->second, now))
            value = std::move(found->second.value);
        remove(found);
        return value;
    }

    bool erase(const std::string& key)
    {
        const auto found = entries_.find(key);
        if (found == entries_.end())
            return false;
        remove(found);
        return true;
    }

    void pruneExpired(TimePoint now)
    {
        while (!order_.empty()) {
            const auto oldest = entries_.find(order_.front());
            if (!isExpired(oldest->second, now))
                return;
            remove(oldest);
        }
    }

    // Visits every entry; the visitor returns false to have it removed.
    template <typename Visitor> void retainIf(Visitor visit)
    {
        for (auto key = order_.begin(); key != order_.end();) {
            const auto entry = entries_.find(*key);
            ++key; // remove() invalidates only the entry's own position
            if (!visit(entry->second.value))
                remove(entry);
        }
    }

    std::size_t size() const { return entries_.size(); }

  private:
    struct Entry {
        Value value;
        TimePoint expires;
        std::list<std::string>::iterator position;
    };

    using Map = std::unordered_map<std::string, Entry>;

    void remove(typename Map::iterator entry)
    {
        order_.erase(entry->second.position);
        entries_.erase(entry);
    }

    // The lifetime is [issued, expires): at the expiry instant it is over.
    static bool isExpired(const Entry& entry, TimePoint now) { return now >= entry.expires; }

    std::size_t capacity_;
    std::list<std::string> order_;
    Map entries_;
};

} // namespace ocs::auth
