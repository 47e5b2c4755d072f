#include "auth/throttle.hpp"

#include <algorithm>

namespace ocs::auth {

FailureThrottle::FailureThrottle(std::chrono::seconds window, unsigned limit, std::size_t maxKeys)
    : window_(window), limit_(std::max(limit, 1u)), maxKeys_(std::max<std::size_t>(maxKeys, 1))
{
}

bool FailureThrottle::blocked(const std::string& key, TimePoint now)
{
    const auto found = keys_.find(key);
    if (found == keys_.end())
        return false;
    dropAged(found->second, now);
    if (found->second.times.empty()) {
        forget(found);
        return false;
    }
    return found->second.times.size() >= limit_;
}

void FailureThrottle::recordFailure(const std::string& key, TimePoint now)
{
    forgetIdle(now);
    auto found = keys_.find(key);
    if (found == keys_.end()) {
        while (keys_.size() >= maxKeys_)
            forget(keys_.find(byLastFailure_.front()));
        byLastFailure_.push_back(key);
        found = keys_.emplace(key, Failures{{}, std::prev(byLastFailure_.end())}).first;
    } else {
        byLastFailure_.splice(byLastFailure_.end(), byLastFailure_, found->second.position);
    }
    Failures& failures = found->second;
    failures.times.push_back(now);
    // Only the latest `limit` failures can decide whether the key is blocked.
    if (failures.times.size() > limit_)
        failures.times.pop_front();
}

void FailureThrottle::clear(const std::string& key)
{
    const auto found = keys_.find(key);
    if (found != keys_.end())
        forget(found);
}

void FailureThrottle::dropAged(Failures& failures, TimePoint now) const
{
    while (!failures.times.empty() && !inWindow(failures.times.front(), now))
        failures.times.pop_front();
}

// Keys are ordered by their latest failure, so the idle ones are at the front.
void FailureThrottle::forgetIdle(TimePoint now)
{
    while (!byLastFailure_.empty()) {
        const auto oldest = keys_.find(byLastFailure_.front());
        const std::deque<TimePoint>& times = oldest->second.times;
        if (!times.empty() && inWindow(times.back(), now))
            return;
        forget(oldest);
    }
}

void FailureThrottle::forget(Map::iterator key)
{
    byLastFailure_.erase(key->second.position);
    keys_.erase(key);
}

} // namespace ocs::auth
