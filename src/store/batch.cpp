#include "store/batch.hpp"

namespace ocs::store {

bool Batch::firstSighting(std::string_view uri)
{
    const std::uint64_t digest = messageDigest(uri);
    if (seen_.count(digest) != 0 || view_.recentlySeen(digest))
        return false;
    seen_.insert(digest);
    changes_.seen.push_back(digest);
    return true;
}

Result<std::uint64_t> Batch::append(const QueueKey& queue, QueueEntry entry)
{
    auto state = changes_.queues.find(queue);
    if (state == changes_.queues.end()) {
        auto stored = view_.queue(queue);
        if (!stored)
            return stored.error();
        state = changes_.queues.emplace(queue, *stored).first;
    }
    QueueState& s = state->second;
    entry.sequence = s.next++;
    if (s.next - s.first > retained_)
        s.first = s.next - retained_;
    changes_.entries.emplace_back(queue, std::move(entry));
    return changes_.entries.back().second.sequence;
}

} // namespace ocs::store
