#include "store/batch.hpp"

namespace ocs::store {

Result<std::optional<Mid>> Batch::findMessage(const std::string& user, const std::string& uri)
{
    if (auto found = indexed_.find({user, uri}); found != indexed_.end())
        return std::optional<Mid>(found->second);
    return view_.message(user, uri);
}

Result<std::pair<Mid, bool>> Batch::indexMessage(const std::string& user, const std::string& uri)
{
    auto known = findMessage(user, uri);
    if (!known)
        return known.error();
    if (*known)
        return std::make_pair(**known, false);
    if (!changes_.counter) {
        auto next = view_.nextCounter();
        if (!next)
            return next.error();
        changes_.counter = *next;
    }
    if (*changes_.counter > kMaxGlobalCounter)
        return makeError(ErrorCode::InternalError, {}, "the 48-bit message id counter is exhausted");
    const Mid mid = makeMapiId((*changes_.counter)++, replicaId_);
    indexed_.emplace(std::make_pair(user, uri), mid);
    changes_.messages.push_back({user, uri, mid});
    return std::make_pair(mid, true);
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
