// At most one line a second for a warning that could repeat on every
// request or every poll: what it holds back is counted, for the next line
// to say.
#pragma once

#include <chrono>
#include <cstdint>

namespace ocs::log {

class Throttle {
  public:
    // True when a line may be written now; `heldBack` is then how many were
    // not written since the last one.
    bool allow(std::uint64_t& heldBack)
    {
        const auto now = std::chrono::steady_clock::now();
        if (written_ && now - last_ < std::chrono::seconds(1)) {
            ++heldBack_;
            return false;
        }
        written_ = true;
        last_ = now;
        heldBack = heldBack_;
        heldBack_ = 0;
        return true;
    }

  private:
    bool written_ = false;
    std::chrono::steady_clock::time_point last_;
    std::uint64_t heldBack_ = 0;
};

} // namespace ocs::log
