// Failed-login throttling for one kind of key (account names, or peer
// addresses): a key with `limit` failures inside the sliding `window` is
// blocked until enough of them are older than the window. Memory is bounded:
// keys whose failures all left the window are forgotten, and beyond
// `maxKeys` the key that failed least recently is dropped. Not thread-safe:
// the Authenticator holds its lock around every call.
#pragma once

#include "common/clock.hpp"

#include <chrono>
#include <cstddef>
#include <deque>
#include <list>
#include <string>
#include <unordered_map>

namespace ocs::auth {

class FailureThrottle {
  public:
    using TimePoint = Clock::Steady::time_point;

    FailureThrottle(std::chrono::seconds window, unsigned limit, std::size_t maxKeys);

    bool blocked(const std::string& key, TimePoint now);
    void recordFailure(const std::string& key, TimePoint now);
    void clear(const std::string& key);

    std::size_t trackedKeys() const { return keys_.size(); }

  private:
    struct Failures {
        std::deque<TimePoint> times; // oldest first, at most `limit` kept
        std::list<std::string>::iterator position;
    };
    using Map = std::unordered_map<std::string, Failures>;

    bool inWindow(TimePoint failure, TimePoint now) const { return now - failure < window_; }
    void dropAged(Failures& failures, TimePoint now) const;
    void forgetIdle(TimePoint now);
    void forget(Map::iterator key);

    std::chrono::seconds window_;
    unsigned limit_;
    std::size_t maxKeys_;
    std::list<std::string> byLastFailure_; // least recent first
    Map keys_;
};

} // namespace ocs::auth
