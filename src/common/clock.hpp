// Time, injectable: expiry and throttling read a Clock so tests can move it.
#pragma once

#include <chrono>

namespace ocs {

class Clock {
public:
    using Steady = std::chrono::steady_clock;
    using Wall = std::chrono::system_clock;

    virtual ~Clock() = default;
    virtual Steady::time_point now() const = 0;
    virtual Wall::time_point wallNow() const = 0;
};

class SystemClock final : public Clock {
public:
    Steady::time_point now() const override { return Steady::now(); }
    Wall::time_point wallNow() const override { return Wall::now(); }
};

// A clock that moves only when told to; both readings move together.
class ManualClock final : public Clock {
public:
    Steady::time_point now() const override { return steady_; }
    Wall::time_point wallNow() const override { return wall_; }
    void advance(std::chrono::nanoseconds by)
    {
        steady_ += by;
        wall_ += std::chrono::duration_cast<Wall::duration>(by);
    }

private:
    Steady::time_point steady_{std::chrono::hours(1)};
    Wall::time_point wall_{std::chrono::seconds(1'700'000'000)};
};

} // namespace ocs
